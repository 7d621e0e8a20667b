/** A command-line option that must be a whole number ≥ `min`; the error names the option and the value. */
export function wholeNumber(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`--${name} must be a whole number ≥ ${min}, got '${value}'`);
  return n;
}
