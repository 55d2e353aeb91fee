/** Contract cases an implementation cannot pass, each with the reason (printed as the test name). */
export type Skips = Record<string, string>;

export function caseTitle(name: string, skips: Skips | undefined): { title: string; skip: boolean } {
  const reason = skips?.[name];
  return reason ? { title: `${name} (skipped: ${reason})`, skip: true } : { title: name, skip: false };
}
