/** Why a fan-out cannot start (the settings file, the project, the work directory, the stack list); the message names the file and the fix. */
export class DeployError extends Error {}
