import type HolidaysClass from "date-holidays";
import { createRequire } from "node:module";

/*
 * Public holidays, offline: date-holidays (rules for 200 countries and their subdivisions)
 * stands in for Kestra's Jollyday, for the PublicHoliday condition and isPublicHoliday().
 */

/** date-holidays with its calendars (moment-timezone, astronomia) takes ~0.3 s to load: loaded at the first PublicHoliday, not at every start */
let holidaysClass: typeof HolidaysClass | undefined;
function Holidays(country?: string, state?: string): HolidaysClass {
  const H = (holidaysClass ??= createRequire(import.meta.url)("date-holidays") as typeof HolidaysClass);
  return country === undefined ? new H() : state === undefined ? new H(country) : new H(country, state);
}

/**
 * A day ('yyyy-MM-dd') is a holiday when a `public` holiday falls on it (the caller checked the
 * country and subdivision with holidayProblem). date-holidays' and Jollyday's calendars can
 * differ on rare days (regional observances, moved holidays).
 */
export function isPublicHoliday(day: string, country: string, subDivision?: string): boolean {
  const holidays = subDivision ? Holidays(country.toUpperCase(), subDivision.toUpperCase()) : Holidays(country.toUpperCase());
  return holidays.getHolidays(Number(day.slice(0, 4))).some((h) => h.type === "public" && h.date.slice(0, 10) === day);
}

/** what is wrong with a country (ISO 3166-1 alpha-2) or its subdivision; undefined when both are known */
export function holidayProblem(country: string, subDivision: string | undefined): string | undefined {
  const known = Holidays().getCountries();
  if (!known[country.toUpperCase()]) return `unknown country '${country}' (ISO 3166-1 alpha-2, such as FR or US)`;
  if (subDivision && !Holidays().getStates(country.toUpperCase())?.[subDivision.toUpperCase()]) return `unknown subdivision '${subDivision}' of ${country}`;
  return undefined;
}
