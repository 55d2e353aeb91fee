import type { Faker } from "@faker-js/faker";
import { ExpressionError } from "./expression.error.js";
import type { Builtin } from "./filters.js";
import { preview } from "./values.js";

/*
 * datafaker(expr, locale), Kestra's DataFakerFunction: `expr` is a Datafaker expression, text
 * holding `#{Provider.method 'arg', …}` directives, each replaced by a fake value. Datafaker is
 * Java; Ferry maps its providers onto faker-js (@faker-js/faker), one directive at a time, in
 * PROVIDERS below. A directive Ferry does not map is refused naming it, never left as written.
 * Provider and method names are matched as Datafaker matches them: in any case, with or
 * without underscores (`#{Name.first_name}` is `#{name.firstName}`).
 *
 * `locale`: [language], [language, country] or [language, country, variant], read as Datafaker's
 * locale chain reads it: language_COUNTRY if faker-js has it, else the language, else English.
 */

type Directive = (f: Faker, args: string[]) => string;

const MS = { SECONDS: 1000, MINUTES: 60_000, HOURS: 3_600_000, DAYS: 86_400_000 } as const;
/** regexify's repetition counts, at most: a fake value is short */
const MAX_REPEAT = 1000;

const int = (text: string | undefined, fallback: number, what: string): number => {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n)) throw new ExpressionError(`datafaker: ${what} expects a whole number, got '${text}'`);
  return n;
};

/** java.sql.Timestamp's toString, which a Datafaker date directive prints: 'yyyy-MM-dd HH:mm:ss.f' (UTC, as Kestra's containers run) */
const timestamp = (d: Date) => {
  const iso = d.toISOString();
  const millis = iso.slice(20, 23).replace(/0+$/, "") || "0";
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${millis}`;
};

/** Date.past/future 'n','UNIT' (DAYS by default): a moment within that span before or after now */
const span = (args: string[], sign: 1 | -1): ((f: Faker) => string) => {
  const amount = int(args[0], 1, "the amount");
  const unit = (args[1] ?? "DAYS").toUpperCase() as keyof typeof MS;
  if (!(unit in MS)) throw new ExpressionError(`datafaker: the time unit '${args[1]}' is not one of ${Object.keys(MS).join(", ")}`);
  const now = Date.now();
  const other = now + sign * amount * MS[unit];
  return (f) => timestamp(f.date.between({ from: Math.min(now, other), to: Math.max(now, other) }));
};

const noArgs = (run: (f: Faker) => string): Directive => (f) => run(f);

/** Datafaker provider.method (lower case, no underscores) → faker-js */
const PROVIDERS: Record<string, Directive> = {
  "address.country": noArgs((f) => f.location.country()),
  "address.countrycode": noArgs((f) => f.location.countryCode()),
  "address.city": noArgs((f) => f.location.city()),
  "address.cityname": noArgs((f) => f.location.city()),
  "address.streetname": noArgs((f) => f.location.street()),
  "address.streetaddress": noArgs((f) => f.location.streetAddress()),
  "address.secondaryaddress": noArgs((f) => f.location.secondaryAddress()),
  "address.buildingnumber": noArgs((f) => f.location.buildingNumber()),
  "address.zipcode": noArgs((f) => f.location.zipCode()),
  "address.postcode": noArgs((f) => f.location.zipCode()),
  "address.state": noArgs((f) => f.location.state()),
  "address.stateabbr": noArgs((f) => f.location.state({ abbreviated: true })),
  "address.latitude": noArgs((f) => String(f.location.latitude())),
  "address.longitude": noArgs((f) => String(f.location.longitude())),
  "address.timezone": noArgs((f) => f.location.timeZone()),
  "name.firstname": noArgs((f) => f.person.firstName()),
  "name.lastname": noArgs((f) => f.person.lastName()),
  "name.fullname": noArgs((f) => f.person.fullName()),
  "name.name": noArgs((f) => f.person.fullName()),
  "name.prefix": noArgs((f) => f.person.prefix()),
  "name.suffix": noArgs((f) => f.person.suffix()),
  "name.title": noArgs((f) => f.person.jobTitle()),
  "name.username": noArgs((f) => f.internet.username()),
  "internet.emailaddress": noArgs((f) => f.internet.email()),
  "internet.safeemailaddress": noArgs((f) => f.internet.exampleEmail()),
  "internet.url": noArgs((f) => f.internet.url()),
  "internet.domainname": noArgs((f) => f.internet.domainName()),
  "internet.domainword": noArgs((f) => f.internet.domainWord()),
  "internet.ipv4address": noArgs((f) => f.internet.ipv4()),
  "internet.ipv6address": noArgs((f) => f.internet.ipv6()),
  "internet.macaddress": noArgs((f) => f.internet.mac()),
  "internet.password": noArgs((f) => f.internet.password()),
  "internet.uuid": noArgs((f) => f.string.uuid()),
  "internet.useragent": noArgs((f) => f.internet.userAgent()),
  "internet.slug": noArgs((f) => f.lorem.slug()),
  "internet.username": noArgs((f) => f.internet.username()),
  "phonenumber.phonenumber": noArgs((f) => f.phone.number()),
  "phonenumber.cellphone": noArgs((f) => f.phone.number()),
  "company.name": noArgs((f) => f.company.name()),
  "company.catchphrase": noArgs((f) => f.company.catchPhrase()),
  "company.bs": noArgs((f) => f.company.buzzPhrase()),
  "job.title": noArgs((f) => f.person.jobTitle()),
  "job.field": noArgs((f) => f.person.jobArea()),
  "lorem.word": noArgs((f) => f.lorem.word()),
  "lorem.sentence": noArgs((f) => f.lorem.sentence()),
  "lorem.paragraph": noArgs((f) => f.lorem.paragraph()),
  "lorem.characters": (f, args) => f.string.alphanumeric(Math.min(int(args[0], 255, "Lorem.characters"), MAX_REPEAT)),
  "commerce.productname": noArgs((f) => f.commerce.productName()),
  "commerce.price": noArgs((f) => f.commerce.price()),
  "commerce.department": noArgs((f) => f.commerce.department()),
  "commerce.material": noArgs((f) => f.commerce.productMaterial()),
  "commerce.color": noArgs((f) => f.color.human()),
  "color.name": noArgs((f) => f.color.human()),
  "color.hex": noArgs((f) => f.color.rgb()),
  "finance.creditcard": noArgs((f) => f.finance.creditCardNumber()),
  "finance.iban": noArgs((f) => f.finance.iban()),
  "finance.bic": noArgs((f) => f.finance.bic()),
  "book.title": noArgs((f) => f.book.title()),
  "book.author": noArgs((f) => f.book.author()),
  "book.genre": noArgs((f) => f.book.genre()),
  "book.publisher": noArgs((f) => f.book.publisher()),
  "code.isbn10": noArgs((f) => f.commerce.isbn(10)),
  "code.isbn13": noArgs((f) => f.commerce.isbn(13)),
  "bool.bool": noArgs((f) => String(f.datatype.boolean())),
  "number.digit": noArgs((f) => f.string.numeric(1)),
  "number.randomdigit": noArgs((f) => String(f.number.int(9))),
  "number.randomdigitnotzero": noArgs((f) => String(f.number.int({ min: 1, max: 9 }))),
  "number.digits": (f, args) => f.string.numeric(Math.min(int(args[0], 1, "Number.digits"), MAX_REPEAT)),
  // Datafaker's numberBetween: the lower bound included, the upper one left out (equal bounds: that number)
  "number.numberbetween": (f, args) => {
    const min = int(args[0], 0, "Number.numberBetween");
    const max = int(args[1], min, "Number.numberBetween");
    return String(max <= min ? min : f.number.int({ min, max: max - 1 }));
  },
  "date.birthday": (f, args) => {
    const min = int(args[0], 18, "Date.birthday");
    const max = int(args[1], 65, "Date.birthday");
    return timestamp(f.date.birthdate({ mode: "age", min, max }));
  },
  "date.past": (f, args) => span(args, -1)(f),
  "date.future": (f, args) => span(args, 1)(f),
  "options.option": (f, args) => {
    if (!args.length) throw new ExpressionError("datafaker: #{options.option} expects the options to pick from");
    return f.helpers.arrayElement(args);
  },
  // the directives that fill a pattern: # a digit, ? a letter
  numerify: (f, args) => (args[0] ?? "").replace(/#/g, () => f.string.numeric(1)),
  letterify: (f, args) => (args[0] ?? "").replace(/\?/g, () => f.string.alpha({ length: 1, casing: "lower" })),
  bothify: (f, args) => (args[0] ?? "").replace(/[#?]/g, (c) => (c === "#" ? f.string.numeric(1) : f.string.alpha({ length: 1, casing: "lower" }))),
  regexify: (f, args) => {
    const pattern = args[0] ?? "";
    for (const m of pattern.matchAll(/\{(\d+)(?:,(\d*))?\}/g)) {
      if (Number(m[1]) > MAX_REPEAT || Number(m[2] || 0) > MAX_REPEAT) throw new ExpressionError(`datafaker: regexify repeats at most ${MAX_REPEAT} times, got '${m[0]}'`);
    }
    return f.helpers.fromRegExp(pattern);
  },
};

/** the directives of `expr`: text between them kept; a `}` inside quotes does not end one */
function directives(expr: string): Array<{ text: string } | { directive: string }> {
  const parts: Array<{ text: string } | { directive: string }> = [];
  let at = 0;
  for (;;) {
    const start = expr.indexOf("#{", at);
    if (start < 0) break;
    if (start > at) parts.push({ text: expr.slice(at, start) });
    let quote: string | undefined;
    let end = start + 2;
    for (; end < expr.length; end++) {
      const c = expr[end];
      if (quote) {
        if (c === quote) quote = undefined;
      } else if (c === "'" || c === '"') quote = c;
      else if (c === "}") break;
    }
    if (end >= expr.length) throw new ExpressionError(`datafaker: the directive '${preview(expr.slice(start))}' has no closing '}'`);
    parts.push({ directive: expr.slice(start + 2, end).trim() });
    at = end + 1;
  }
  if (at < expr.length) parts.push({ text: expr.slice(at) });
  return parts;
}

/** `Provider.method 'a','b'` → its key and its arguments (quoted with ' or ", or bare, separated by commas) */
function parse(directive: string): { key: string; args: string[] } {
  const space = directive.search(/\s/);
  const name = space < 0 ? directive : directive.slice(0, space);
  const rest = space < 0 ? "" : directive.slice(space + 1).trim();
  const args: string[] = [];
  const re = /\s*(?:'([^']*)'|"([^"]*)"|([^,'"\s][^,]*?))\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < rest.length && (m = re.exec(rest))) args.push(m[1] ?? m[2] ?? m[3]!.trim());
  if (re.lastIndex < rest.length && rest.slice(re.lastIndex).trim()) throw new ExpressionError(`datafaker: cannot read the arguments of '#{${preview(directive)}}'`);
  return { key: name.toLowerCase().replace(/_/g, ""), args };
}

let library: Promise<typeof import("@faker-js/faker")> | undefined;

async function fakerFor(locale: string[] | undefined): Promise<Faker> {
  // loaded on the first call only: faker-js holds every locale's data
  const { allFakers, faker } = await (library ??= import("@faker-js/faker"));
  if (!locale) return faker;
  const language = locale[0].toLowerCase();
  const country = locale[1]?.toUpperCase();
  const fakers = allFakers as Record<string, Faker>;
  return (country && fakers[`${language}_${country}`]) || fakers[language] || faker;
}

function localeOf(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new ExpressionError(`Invalid type for argument 'locale' in function 'datafaker'. Expected a list of strings, but got: ${preview(value)}.`);
  }
  if (value.length < 1 || value.length > 3) {
    throw new ExpressionError(`Invalid value for argument 'locale' in function 'datafaker'. Expected format: [language, country, variant], but received: [${value.join(", ")}].`);
  }
  return value as string[];
}

export const datafaker: Builtin = async (args, named) => {
  const locale = localeOf("locale" in named ? named.locale : args[1]);
  const expr = "expr" in named ? named.expr : args[0];
  if (typeof expr !== "string" || !expr.trim()) {
    throw new ExpressionError("Missing or invalid 'expr' argument in function 'datafaker'. A non-empty string is required.");
  }
  const parts = directives(expr);
  const calls = parts.map((part) => {
    if ("text" in part) return part.text;
    const { key, args: given } = parse(part.directive);
    const run = PROVIDERS[key];
    if (!run) throw new ExpressionError(`datafaker: '#{${preview(part.directive)}}' is not a Datafaker directive Ferry maps to faker-js (it maps: ${Object.keys(PROVIDERS).join(", ")})`);
    return { run, given };
  });
  const f = await fakerFor(locale);
  return calls.map((call) => (typeof call === "string" ? call : call.run(f, call.given))).join("");
};
