// The error every layer throws for bad input (a usage error, a bad file, a sysfs root that is
// not one): the CLI maps it to exit code 2 with its message, never a stack trace. Subclass it
// for errors that carry more (a position, a key path).
export class InputError extends Error {
  override name = 'InputError';
}
