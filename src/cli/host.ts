/** What every CLI command group is given: the output mode and the one way to call the router. */
export interface CliHost {
  readonly json: boolean;
  call<O>(name: string, payload: unknown): Promise<O>;
}
