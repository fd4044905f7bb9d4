/** Runs the CLI with the given argv and returns the exit code. Only bin.ts exits the process. */
export async function main(argv: readonly string[]): Promise<number> {
  void argv;
  return 0;
}
