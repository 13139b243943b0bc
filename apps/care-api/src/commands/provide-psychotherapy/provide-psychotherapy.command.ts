import type { CommandRequest } from '../../shared/command-context';
import type { ProvidePsychotherapyRequest } from './provide-psychotherapy.request';

/** Record psychotherapy with an E/M visit (CQRS command carried from the controller to its handler). */
export class ProvidePsychotherapyCommand {
  constructor(
    readonly request: CommandRequest,
    readonly patientId: string,
    readonly body: ProvidePsychotherapyRequest,
  ) {}
}
