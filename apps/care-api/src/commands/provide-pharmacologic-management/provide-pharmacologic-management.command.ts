import type { CommandRequest } from '../../shared/command-context';
import type { ProvidePharmacologicManagementRequest } from './provide-pharmacologic-management.request';

/** Record pharmacologic management at a psychotherapy encounter (CQRS command carried from the controller to its handler). */
export class ProvidePharmacologicManagementCommand {
  constructor(
    readonly request: CommandRequest,
    readonly patientId: string,
    readonly body: ProvidePharmacologicManagementRequest,
  ) {}
}
