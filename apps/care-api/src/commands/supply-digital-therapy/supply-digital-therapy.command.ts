import type { CommandRequest } from '../../shared/command-context';
import type { SupplyDigitalTherapyRequest } from './supply-digital-therapy.request';

/** Record a digital mental health treatment device supplied for a course (CQRS command carried from the controller to its handler). */
export class SupplyDigitalTherapyCommand {
  constructor(
    readonly request: CommandRequest,
    readonly patientId: string,
    readonly body: SupplyDigitalTherapyRequest,
  ) {}
}
