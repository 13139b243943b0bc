import type { CommandRequest } from '../../shared/command-context';
import type { InitiateNavigationServicesRequest } from './initiate-navigation-services.request';

/** Initiate community health integration or principal illness navigation (CQRS command carried from the controller to its handler). */
export class InitiateNavigationServicesCommand {
  constructor(
    readonly request: CommandRequest,
    readonly patientId: string,
    readonly body: InitiateNavigationServicesRequest,
  ) {}
}
