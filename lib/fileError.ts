/** An error about one input file: its message is "<file>: <what>", and `file` names the file. */
export class FileError extends Error {
  constructor(
    readonly file: string,
    what: string,
  ) {
    super(`${file}: ${what}`);
    this.name = "FileError";
  }
}
