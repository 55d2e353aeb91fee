import { InvalidArgumentError } from "commander";

/** for repeatable options */
export const collect = (value: string, all: string[]): string[] => [...all, value];

/** a whole number within bounds (commander reports a bad one as bad usage, exit 2) */
export const integerIn = (min: number, max: number) => (value: string): number => {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
  return n;
};
