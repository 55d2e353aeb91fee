/** A result that is a promise only when its work had to wait (a pause of the render, a backend). */
export type Maybe<T> = T | Promise<T>;

export function after<T, U>(value: Maybe<T>, f: (value: T) => Maybe<U>): Maybe<U> {
  return value instanceof Promise ? value.then(f) : f(value);
}
