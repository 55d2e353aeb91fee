import { describe } from "vitest";
import { runCases, type Case } from "./pebble-cases.test-support.js";

/*
 * Assertions of Kestra's pebble tests (core/src/test/java/io/kestra/core/runners/pebble/**), one
 * row each (pebble-cases.test-support.ts); more in kestra-pebble-cases-2.test.ts.
 */

const second = {
  string: "string",
  int: 1,
  float: 1.123,
  list: ["string", 1, 1.123],
  bool: true,
  map: { string: "string", int: 1, float: 1.123 },
};

const CASES: Case[] = [
  // filters/StartsWithFilterTest, EndsWithFilterTest
  { test: "StartsWithFilterTest.out", template: '{{ "Hello World" | startsWith("Hello") }}', expected: "true" },
  { test: "EndsWithFilterTest.out", template: '{{ "Hello World" | endsWith("World") }}', expected: "true" },
  // filters/StringFilterTest
  { test: "StringFilterTest.run", template: "{{ 12.3 | string | className }}", expected: "java.lang.String" },
  { test: "StringFilterTest.run", template: '{{ {"field":"hello"} | string | className }}', expected: "java.lang.String" },
  // filters/JsonFilterTest
  { test: "JsonFilterTest.map", template: "{{ vars.second.string | json }}", vars: { vars: { second } }, expected: '"string"' },
  { test: "JsonFilterTest.map", template: "{{ vars.second.int | json }}", vars: { vars: { second } }, expected: "1" },
  { test: "JsonFilterTest.map", template: "{{ vars.second.float | json }}", vars: { vars: { second } }, expected: "1.123" },
  { test: "JsonFilterTest.map", template: "{{ vars.second.list | json }}", vars: { vars: { second } }, expected: '["string",1,1.123]' },
  { test: "JsonFilterTest.map", template: "{{ vars.second.bool | json }}", vars: { vars: { second } }, expected: "true" },
  { test: "JsonFilterTest.map", template: "{{ vars.second.map | json }}", vars: { vars: { second } }, expected: '{"string":"string","int":1,"float":1.123}' },
  { test: "JsonFilterTest.map", template: '{{ {"empty_object":{}} | json }}', expected: '{"empty_object":{}}' },
  // filters/UrlDecodeFilter
  { test: "UrlDecodeFilter.urldecode", template: "{{ 'Kestra rulez !' | urlencode | urldecode }}", expected: "Kestra rulez !" },
  // filters/ShFilterTest
  { test: "ShFilterTest.bashShellFormat", template: "echo '{{ shellVar | sh }}'", vars: { shellVar: "foo' bar'baz" }, expected: "echo 'foo'\\'' bar'\\''baz'" },
  // filters/CondenseStringFilterTest
  { test: "CondenseStringFilterTest.condenseValidStringTest", template: '{{ "hello\n world" | condense }}', expected: "hello world" },
  { test: "CondenseStringFilterTest.condenseInvalidStringTest", template: "{{ 12 | condense }}", error: "condense can only be applied on strings" },
  // expression/GreaterThanExpressionTest, GreaterThanEqualsExpressionTest, NotInExpressionTest
  { test: "GreaterThanExpressionTest.shouldCompareStrings", template: "{{ left > right }}|{{ right > left }}|{{ left > left }}", vars: { left: "b", right: "a" }, expected: "true|false|false" },
  { test: "GreaterThanExpressionTest.shouldCompareNumbers", template: "{{ five > three }}|{{ three > five }}", vars: { five: 5, three: 3 }, expected: "true|false" },
  { test: "GreaterThanEqualsExpressionTest.shouldCompareStrings", template: "{{ left >= right }}|{{ left >= left }}|{{ right >= left }}", vars: { left: "b", right: "a" }, expected: "true|true|false" },
  { test: "GreaterThanEqualsExpressionTest.shouldCompareNumbers", template: "{{ five >= three }}|{{ five >= five }}|{{ three >= five }}", vars: { five: 5, three: 3 }, expected: "true|true|false" },
  { test: "NotInExpressionTest.shouldReturnFalseGivenNotInExprWithValidLeftOp", template: "{{ 'foo' not in ['foo', 'bar'] }}", expected: "false" },
  { test: "NotInExpressionTest.shouldReturnTrueGivenNotInExprWithWrongLeftOp", template: "{{ 'baz' not in ['foo', 'bar'] }}", expected: "true" },
  // functions/JsonFunctionTest, FromJsonFunctionTest
  { test: "JsonFunctionTest.fromString", template: `{{ json('{"test1": 1, "test2": 2, "test3": 3}').test1 }}`, expected: "1" },
  { test: "JsonFunctionTest.fromString", template: `{{ json('{"test1": [{"test1": 666}, 2, 3], "test2": 2, "test3": 3}').test1[0].test1 }}`, expected: "666" },
  { test: "JsonFunctionTest.fromString", template: "{{ json('[1, 2, 3]')[0] }}", expected: "1" },
  { test: "FromJsonFunctionTest.fronJsonFunction", template: `{{ fromJson('{"test1": 1, "test2": 2, "test3": 3}').test1 }}`, expected: "1" },
  { test: "FromJsonFunctionTest.fronJsonFunction", template: `{{ fromJson('{"empty_object":{}}') }}`, expected: '{"empty_object":{}}' },
  { test: "FromJsonFunctionTest.fronJsonFunction", template: "{{ fromJson(null) }}", expected: "" },
  { test: "FromJsonFunctionTest.exception", template: "{{ fromJson() }}", error: /./ },
  { test: "FromJsonFunctionTest.exception", template: "{{ fromJson('{not: json}') }}", error: /./ },
  // functions/BoundedRangeFunctionTest
  { test: "BoundedRangeFunctionTest.shouldRenderNormalRange", template: "{{ range(1, 5) }}", expected: "[1,2,3,4,5]" },
  { test: "BoundedRangeFunctionTest.shouldThrowWhenRangeExceedsMaxSize", template: "{{ range(0, 2000000000) }}", error: "cannot produce more than" },
  { test: "BoundedRangeFunctionTest.shouldThrowWhenDescendingRangeExceedsMaxSize", template: "{{ range(2000000000, 0, -1) }}", error: "cannot produce more than" },
  // functions/DumpFunctionTest (dump(): the old name of printContext())
  { test: "DumpFunctionTest.fromString", template: "{{ dump().test }}|{{ dump().array | join(',') }}|{{ fromJson(dump() | toJson).array[2] }}", vars: { test: "value", array: ["a", "b", "c"] }, expected: "value|a,b,c|c" },
  // functions/IsDateBetweenFunctionTest
  ...[
    ["2026-03-01T00:00:00Z", "true"],
    ["2025-12-31T23:59:59Z", "false"],
    ["2026-06-30T23:59:59Z", "false"],
    ["2025-06-01T00:00:00Z", "false"],
    ["2026-09-01T00:00:00Z", "false"],
  ].map(([date, expected]): Case => ({ test: "IsDateBetweenFunctionTest.comparesStringDateAgainstExclusiveBounds", template: "{{ isDateBetween(date, '2025-12-31T23:59:59Z', '2026-06-30T23:59:59Z') }}", vars: { date }, expected })),
  { test: "IsDateBetweenFunctionTest.comparesInstantsRatherThanText", template: "{{ isDateBetween('2026-01-01T00:00:00-03:00', '2026-01-01T02:00:00Z', '2026-01-01T04:00:00Z') }}", expected: "true" },
  { test: "IsDateBetweenFunctionTest.worksAsBooleanCondition", template: "{% if isDateBetween('2026-03-01T00:00:00Z', '2025-12-31T23:59:59Z', '2026-06-30T23:59:59Z') %}yes{% else %}no{% endif %}", expected: "yes" },
  { test: "IsDateBetweenFunctionTest.datetimeWithoutOffsetThrows", template: "{{ isDateBetween('2026-03-01T00:00:00', '2025-12-31T23:59:59Z', '2026-06-30T23:59:59Z') }}", error: "could not parse 'date'" },
  { test: "IsDateBetweenFunctionTest.missingBoundThrows", template: "{{ isDateBetween('2026-03-01T00:00:00Z', '2025-12-31T23:59:59Z') }}", error: "expects a 'before' argument" },
  { test: "IsDateBetweenFunctionTest.invalidBoundThrows", template: "{{ isDateBetween('2026-03-01T00:00:00Z', 'not-a-date', '2026-06-30T23:59:59Z') }}", error: "could not parse 'after'" },
  // functions/IsLastWorkingDayFunctionTest
  { test: "IsLastWorkingDayFunctionTest.lastFridayWhenMonthEndsOnSundayReturnsTrue", template: "{{ isLastWorkingDay('2025-11-28') }}", expected: "true" },
  { test: "IsLastWorkingDayFunctionTest.saturdayBeforeMonthEndReturnsFalse", template: "{{ isLastWorkingDay('2025-11-29') }}", expected: "false" },
  { test: "IsLastWorkingDayFunctionTest.sundayAtMonthEndReturnsFalse", template: "{{ isLastWorkingDay('2025-11-30') }}", expected: "false" },
  { test: "IsLastWorkingDayFunctionTest.lastWorkingDayWhenMonthEndsOnFridayReturnsTrue", template: "{{ isLastWorkingDay('2025-01-31') }}", expected: "true" },
  { test: "IsLastWorkingDayFunctionTest.penultimateWorkingDayReturnsFalse", template: "{{ isLastWorkingDay('2025-01-30') }}", expected: "false" },
  { test: "IsLastWorkingDayFunctionTest.lastWorkingDayWhenMonthEndsOnWednesdayReturnsTrue", template: "{{ isLastWorkingDay('2025-09-30') }}", expected: "true" },
  { test: "IsLastWorkingDayFunctionTest.datetimeStringIsAccepted", template: "{{ isLastWorkingDay('2025-01-31T09:00:00+05:30') }}", expected: "true" },
  { test: "IsLastWorkingDayFunctionTest.customWorkingDaysReturnsTrue", template: "{{ isLastWorkingDay('2025-01-30', 'MONDAY,TUESDAY,WEDNESDAY,THURSDAY') }}", expected: "true" },
  { test: "IsLastWorkingDayFunctionTest.customWorkingDaysFridayNotLastReturnsFalse", template: "{{ isLastWorkingDay('2025-01-31', 'MONDAY,TUESDAY,WEDNESDAY,THURSDAY') }}", expected: "false" },
  { test: "IsLastWorkingDayFunctionTest.missingDateThrows", template: "{{ isLastWorkingDay() }}", error: /./ },
  { test: "IsLastWorkingDayFunctionTest.invalidDateFormatThrows", template: "{{ isLastWorkingDay('not-a-date') }}", error: /./ },
  { test: "IsLastWorkingDayFunctionTest.invalidWorkingDayNameThrows", template: "{{ isLastWorkingDay('2025-01-31', 'MONDAY,BLURSDAY') }}", error: /./ },
  // functions/DayOfWeekFunctionTest
  { test: "DayOfWeekFunctionTest.mondayReturnsMonday", template: "{{ dayOfWeek('2025-01-06') }}", expected: "MONDAY" },
  { test: "DayOfWeekFunctionTest.sundayReturnsSunday", template: "{{ dayOfWeek('2025-01-05') }}", expected: "SUNDAY" },
  { test: "DayOfWeekFunctionTest.saturdayReturnsSaturday", template: "{{ dayOfWeek('2025-01-04') }}", expected: "SATURDAY" },
  { test: "DayOfWeekFunctionTest.wednesdayReturnsWednesday", template: "{{ dayOfWeek('2025-01-08') }}", expected: "WEDNESDAY" },
  { test: "DayOfWeekFunctionTest.datetimeStringIsAccepted", template: "{{ dayOfWeek('2025-01-06T10:00:00+02:00') }}", expected: "MONDAY" },
  { test: "DayOfWeekFunctionTest.missingDateThrows", template: "{{ dayOfWeek() }}", error: /./ },
  { test: "DayOfWeekFunctionTest.invalidDateFormatThrows", template: "{{ dayOfWeek('not-a-date') }}", error: /./ },
  // functions/RandomIntFunctionTest
  { test: "RandomIntFunctionTest.missingParameter", template: "{{randomInt(lower)}}", vars: { lower: 10 }, error: /./ },
  { test: "RandomIntFunctionTest.missingParameter", template: "{{randomInt(upper)}}", vars: { upper: 1 }, error: /./ },
  { test: "RandomIntFunctionTest.missingParameter", template: "{{randomInt()}}", error: /./ },
  { test: "RandomIntFunctionTest.testGenerateNumberPositiveString", template: "{{ randomInt(lower, upper) }}", vars: { lower: "1", upper: "10" }, error: /./ },
  { test: "RandomIntFunctionTest.testGenerateNumberUpperLessThanLower", template: "{{ randomInt(lower, upper) }}", vars: { lower: 10, upper: 1 }, error: /./ },
  { test: "RandomIntFunctionTest.testGenerateNumberSame", template: "{{ randomInt(lower, upper) }}", vars: { lower: 10, upper: 10 }, expected: "10" },
  { test: "RandomIntFunctionTest.testGenerateNumberNegative", template: "{{ randomInt(lower, upper) >= -10 and randomInt(lower, upper) <= -1 }}", vars: { lower: -10, upper: -1 }, expected: "true" },
  // functions/IsDayWeekInMonthFunctionTest
  { test: "IsDayWeekInMonthFunctionTest.firstMondayReturnsTrue", template: "{{ isDayWeekInMonth('2025-01-06', 'MONDAY', 'FIRST') }}", expected: "true" },
  { test: "IsDayWeekInMonthFunctionTest.firstMondayOnWrongDateReturnsFalse", template: "{{ isDayWeekInMonth('2025-01-13', 'MONDAY', 'FIRST') }}", expected: "false" },
  { test: "IsDayWeekInMonthFunctionTest.secondMondayReturnsTrue", template: "{{ isDayWeekInMonth('2025-01-13', 'MONDAY', 'SECOND') }}", expected: "true" },
  { test: "IsDayWeekInMonthFunctionTest.thirdMondayReturnsTrue", template: "{{ isDayWeekInMonth('2025-01-20', 'MONDAY', 'THIRD') }}", expected: "true" },
  { test: "IsDayWeekInMonthFunctionTest.fourthMondayReturnsTrue", template: "{{ isDayWeekInMonth('2025-01-27', 'MONDAY', 'FOURTH') }}", expected: "true" },
  { test: "IsDayWeekInMonthFunctionTest.lastMondayReturnsTrue", template: "{{ isDayWeekInMonth('2025-01-27', 'MONDAY', 'LAST') }}", expected: "true" },
  { test: "IsDayWeekInMonthFunctionTest.lastFridayReturnsTrue", template: "{{ isDayWeekInMonth('2025-01-31', 'FRIDAY', 'LAST') }}", expected: "true" },
  { test: "IsDayWeekInMonthFunctionTest.lastVsFourthAreDistinct", template: "{{ isDayWeekInMonth('2025-01-31', 'FRIDAY', 'FOURTH') }}|{{ isDayWeekInMonth('2025-01-24', 'FRIDAY', 'FOURTH') }}", expected: "false|true" },
  { test: "IsDayWeekInMonthFunctionTest.caseInsensitiveArgumentsAreAccepted", template: "{{ isDayWeekInMonth('2025-01-06', 'monday', 'first') }}", expected: "true" },
  { test: "IsDayWeekInMonthFunctionTest.datetimeStringIsAccepted", template: "{{ isDayWeekInMonth('2025-01-06T10:00:00Z', 'MONDAY', 'FIRST') }}", expected: "true" },
  { test: "IsDayWeekInMonthFunctionTest.missingDateThrows", template: "{{ isDayWeekInMonth() }}", error: /./ },
  { test: "IsDayWeekInMonthFunctionTest.missingDayOfWeekThrows", template: "{{ isDayWeekInMonth('2025-01-06') }}", error: /./ },
  { test: "IsDayWeekInMonthFunctionTest.missingPositionThrows", template: "{{ isDayWeekInMonth('2025-01-06', 'MONDAY') }}", error: /./ },
  { test: "IsDayWeekInMonthFunctionTest.invalidDayOfWeekThrows", template: "{{ isDayWeekInMonth('2025-01-06', 'BLURSDAY', 'FIRST') }}", error: /./ },
  { test: "IsDayWeekInMonthFunctionTest.invalidPositionThrows", template: "{{ isDayWeekInMonth('2025-01-06', 'MONDAY', 'FIFTH') }}", error: /./ },
  { test: "IsDayWeekInMonthFunctionTest.invalidDateFormatThrows", template: "{{ isDayWeekInMonth('not-a-date', 'MONDAY', 'FIRST') }}", error: /./ },
  // functions/HourOfDayFunctionTest
  { test: "HourOfDayFunctionTest.returnsHourFromZonedDateTime", template: "{{ hourOfDay('2025-01-06T14:30:00Z') }}", expected: "14" },
  { test: "HourOfDayFunctionTest.returnsHourFromZonedDateTimeWithOffset", template: "{{ hourOfDay('2025-01-06T14:30:00+02:00') }}", expected: "14" },
  { test: "HourOfDayFunctionTest.returnsHourFromLocalDateTime", template: "{{ hourOfDay('2025-01-06T09:00:00') }}", expected: "9" },
  { test: "HourOfDayFunctionTest.returnsMidnight", template: "{{ hourOfDay('2025-01-06T00:00:00Z') }}", expected: "0" },
  { test: "HourOfDayFunctionTest.returnsLastHourOfDay", template: "{{ hourOfDay('2025-01-06T23:59:59Z') }}", expected: "23" },
  { test: "HourOfDayFunctionTest.returnsHourFromTemplateVariable", template: "{{ hourOfDay(dt) }}", vars: { dt: "2025-01-06T14:30:00Z" }, expected: "14" },
  { test: "HourOfDayFunctionTest.plainDateThrows", template: "{{ hourOfDay('2025-01-06') }}", error: /./ },
  { test: "HourOfDayFunctionTest.missingDateThrows", template: "{{ hourOfDay() }}", error: /./ },
  { test: "HourOfDayFunctionTest.invalidDateFormatThrows", template: "{{ hourOfDay('not-a-date') }}", error: /./ },
  // functions/IsDateAfterFunctionTest
  { test: "IsDateAfterFunctionTest.shouldReturnTrueWhenDateIsAfterReference", template: "{{ isDateAfter('2025-01-02', '2025-01-01') }}", expected: "true" },
  { test: "IsDateAfterFunctionTest.shouldReturnFalseWhenDateIsBeforeReference", template: "{{ isDateAfter('2025-01-01', '2025-01-02') }}", expected: "false" },
  { test: "IsDateAfterFunctionTest.shouldReturnFalseWhenDatesAreEqual", template: "{{ isDateAfter('2025-01-01', '2025-01-01') }}", expected: "false" },
  { test: "IsDateAfterFunctionTest.shouldReturnTrueWhenZonedDateTimeIsAfterReference", template: "{{ isDateAfter('2025-01-01T11:00:00Z', '2025-01-01T10:00:00Z') }}", expected: "true" },
  { test: "IsDateAfterFunctionTest.shouldReturnFalseWhenZonedDateTimeIsBeforeReference", template: "{{ isDateAfter('2025-01-01T10:00:00Z', '2025-01-01T11:00:00Z') }}", expected: "false" },
  { test: "IsDateAfterFunctionTest.shouldReturnFalseWhenZonedDateTimesAreEqual", template: "{{ isDateAfter('2025-01-01T10:00:00Z', '2025-01-01T10:00:00Z') }}", expected: "false" },
  { test: "IsDateAfterFunctionTest.shouldReturnTrueWhenLocalDateTimeIsAfterReference", template: "{{ isDateAfter('2025-01-01T10:00:00', '2025-01-01T09:00:00') }}", expected: "true" },
  { test: "IsDateAfterFunctionTest.shouldAccountForTimezoneOffsetWhenComparing", template: "{{ isDateAfter('2025-01-01T11:00:00+02:00', '2025-01-01T08:00:00Z') }}", expected: "true" },
  { test: "IsDateAfterFunctionTest.shouldSupportMixedDateAndDatetime", template: "{{ isDateAfter('2025-01-02', '2025-01-01T23:00:00Z') }}", expected: "true" },
  { test: "IsDateAfterFunctionTest.shouldReturnFalseWhenMixedDateAndDatetimeMapToSameInstant", template: "{{ isDateAfter('2025-01-01', '2025-01-01T00:00:00Z') }}", expected: "false" },
  { test: "IsDateAfterFunctionTest.shouldAcceptTemplateVariables", template: "{{ isDateAfter(d1, d2) }}", vars: { d1: "2025-06-30", d2: "2025-06-01" }, expected: "true" },
  { test: "IsDateAfterFunctionTest.shouldThrowWhenDateArgumentIsMissing", template: "{{ isDateAfter() }}", error: /./ },
  { test: "IsDateAfterFunctionTest.shouldThrowWhenReferenceArgumentIsMissing", template: "{{ isDateAfter('2025-01-01') }}", error: /./ },
  { test: "IsDateAfterFunctionTest.shouldThrowWhenDateIsInvalid", template: "{{ isDateAfter('not-a-date', '2025-01-01') }}", error: /./ },
  { test: "IsDateAfterFunctionTest.shouldThrowWhenReferenceIsInvalid", template: "{{ isDateAfter('2025-01-01', 'not-a-date') }}", error: /./ },
  // functions/NanoIDFuntionTest
  { test: "NanoIDFuntionTest.checkStandardNanoId", template: "{{ nanoId() | length }}", expected: "21" },
  { test: "NanoIDFuntionTest.checkDifferentLength", template: "{{ nanoId(length) | length }}", vars: { length: 8 }, expected: "8" },
  { test: "NanoIDFuntionTest.checkDifferentAlphabet", template: "{{ nanoId(length, alphabet) | length }}|{{ nanoId(length, alphabet) | regexMatch('^[:-@]{21}$') }}", vars: { length: 21, alphabet: ":;<=>?@" }, expected: "21|true" },
  // expression/LessThanEqualsExpressionTest
  { test: "LessThanEqualsExpressionTest.shouldCompareStrings", template: "{{ left <= right }}|{{ left <= left }}|{{ right <= left }}", vars: { left: "a", right: "b" }, expected: "true|true|false" },
  { test: "LessThanEqualsExpressionTest.shouldCompareNumbers", template: "{{ three <= five }}|{{ three <= three }}|{{ five <= three }}", vars: { three: 3, five: 5 }, expected: "true|true|false" },
  // functions/IsWeekendFunctionTest, MonthOfYearFunctionTest, DayOfMonthFunctionTest
  { test: "IsWeekendFunctionTest.saturdayReturnsTrue", template: "{{ isWeekend('2025-01-04') }}", expected: "true" },
  { test: "IsWeekendFunctionTest.sundayReturnsTrue", template: "{{ isWeekend('2025-01-05') }}", expected: "true" },
  { test: "IsWeekendFunctionTest.weekdayReturnsFalse", template: "{{ isWeekend('2025-01-06') }}", expected: "false" },
  { test: "IsWeekendFunctionTest.datetimeStringIsAccepted", template: "{{ isWeekend('2025-01-04T15:30:00+05:00') }}", expected: "true" },
  { test: "MonthOfYearFunctionTest.returnsJanuary", template: "{{ monthOfYear('2025-01-15') }}", expected: "1" },
  { test: "MonthOfYearFunctionTest.returnsDecember", template: "{{ monthOfYear('2025-12-31') }}", expected: "12" },
  { test: "MonthOfYearFunctionTest.returnsMidYearMonth", template: "{{ monthOfYear('2025-06-01') }}", expected: "6" },
  { test: "MonthOfYearFunctionTest.datetimeStringIsAccepted", template: "{{ monthOfYear('2025-03-10T08:00:00+01:00') }}", expected: "3" },
  { test: "DayOfMonthFunctionTest.returnsFirstDayOfMonth", template: "{{ dayOfMonth('2025-01-01') }}", expected: "1" },
  { test: "DayOfMonthFunctionTest.returnsLastDayOfMonth", template: "{{ dayOfMonth('2025-01-31') }}", expected: "31" },
  { test: "DayOfMonthFunctionTest.returnsMidMonthDay", template: "{{ dayOfMonth('2025-03-15') }}", expected: "15" },
  { test: "DayOfMonthFunctionTest.datetimeStringIsAccepted", template: "{{ dayOfMonth('2025-01-15T10:00:00+02:00') }}", expected: "15" },
  { test: "MonthOfYearFunctionTest.returnsValueFromTemplateVariable", template: "{{ monthOfYear(dt) }}", vars: { dt: "2025-09-20" }, expected: "9" },
  { test: "DayOfMonthFunctionTest.returnsValueFromTemplateVariable", template: "{{ dayOfMonth(dt) }}", vars: { dt: "2025-06-20" }, expected: "20" },
  { test: "IsWeekendFunctionTest.missingDateThrows", template: "{{ isWeekend() }}", error: /./ },
  { test: "IsWeekendFunctionTest.invalidDateFormatThrows", template: "{{ isWeekend('not-a-date') }}", error: /./ },
  { test: "MonthOfYearFunctionTest.missingDateThrows", template: "{{ monthOfYear() }}", error: /./ },
  { test: "MonthOfYearFunctionTest.invalidDateFormatThrows", template: "{{ monthOfYear('not-a-date') }}", error: /./ },
  { test: "MonthOfYearFunctionTest.missingVariableThrows", template: "{{ monthOfYear(dt) }}", error: /./ },
  { test: "DayOfMonthFunctionTest.missingDateThrows", template: "{{ dayOfMonth() }}", error: /./ },
  { test: "DayOfMonthFunctionTest.invalidDateFormatThrows", template: "{{ dayOfMonth('not-a-date') }}", error: /./ },
  { test: "DayOfMonthFunctionTest.missingVariableThrows", template: "{{ dayOfMonth(dt) }}", error: /./ },
  // functions/EncryptDecryptFunctionTest, IDFunctionTest
  { test: "EncryptDecryptFunctionTest.missingParameter", template: "{{encrypt('toto')}}", error: /./ },
  { test: "EncryptDecryptFunctionTest.missingParameter", template: "{{decrypt('toto')}}", error: /./ },
  { test: "EncryptDecryptFunctionTest.encryptDecrypt", template: "{{ decrypt(secretKey, encrypt(secretKey, 'toto')) }}", vars: { secretKey: "I6EGNzRESu3X3pKZidrqCGOHQFUFC0yK" }, expected: "toto" },
  { test: "IDFunctionTest.checkIdIsNotEmpty", template: "{{ id() | length > 0 }}", expected: "true" },
  // TypedObjectWriterTest: values written one after another, as a template writes them
  { test: "TypedObjectWriterTest.writeInts", template: "{{ 1 }}{{ 2 }}{{ 3 }}", expected: "123" },
  { test: "TypedObjectWriterTest.writeDoubles", template: "{{ 1.0 }}{{ 2.0 }}{{ 3.0 }}", expected: "1.02.03.0" },
  { test: "TypedObjectWriterTest.writeStrings", template: "{{ 'a' }}{{ 'b' }}{{ 'c' }}", expected: "abc" },
  // PebbleVariableRendererTest
  { test: "PebbleVariableRendererTest.out", template: "{{ list[3] is defined ? bla : null }}", vars: { list: ["string", 1, 1.123] }, expected: "" },
  { test: "PebbleVariableRendererTest.out", template: '{{ "apple" ~ "pear" ~ "banana" }}', expected: "applepearbanana" },
  { test: "PebbleVariableRendererTest.out", template: "{{ list }} // {{ bool }}", vars: { list: ["string", 1, 1.123], bool: true }, expected: '["string",1,1.123] // true' },
  { test: "PebbleVariableRendererTest.autoJson", template: "{{ collection }}|{{ inta }}", vars: { collection: ["1", "2", "3"], inta: [1, 2, 3] }, expected: '["1","2","3"]|[1,2,3]' },
  { test: "PebbleVariableRendererTest.exception", template: "{{ missing is defined ? missing : missing2 }}", error: /./ },
  { test: "PebbleVariableRendererTest.macro", template: '{% block "post" %} content {% endblock %}{{ block("post") }}', expected: " content  content " },
  { test: "PebbleVariableRendererTest.numberFormat", template: '{{ var | numberFormat("#.##") }}', vars: { var: 1.232654 }, expected: "1.23" },
  { test: "PebbleVariableRendererTest.recursive", template: "{{ third }}|{{ render(third, recursive=false) }}|{{ render(third) }}|{{ render(fourth) }}", vars: { first: "1", second: "{{first}}", third: "{{second}}", fourth: "{{render(third, recursive=false)}}" }, expected: "{{second}}|{{first}}|1|1" },
  { test: "PebbleVariableRendererTest.recursive", template: "{{ map }}|{{ render(map, recursive=false) }}|{{ render(map) }}", vars: { first: "1", second: "{{first}}", third: "{{second}}", map: { third: "{{third}}" } }, expected: '{"third":"{{third}}"}|{"third":"{{second}}"}|{"third":"1"}' },
  { test: "PebbleVariableRendererTest.recursive", template: "{{ list }}|{{ render(list, recursive=false) }}|{{ render(list) }}", vars: { first: "1", second: "{{first}}", third: "{{second}}", list: ["{{third}}"] }, expected: '["{{third}}"]|["{{second}}"]|["1"]' },
  { test: "PebbleVariableRendererTest.recursiveRenderingAmountLimit", template: "{{ render(first) }}", vars: { first: "{{second}}", second: "{{first}}" }, error: "Too many rendering attempts" },
  { test: "PebbleVariableRendererTest.raw", template: "See some code {% raw %}{{ var }}{% endraw %}", vars: { var: "1" }, expected: "See some code {{ var }}" },
  { test: "PebbleVariableRendererTest.raw", template: "See some code {%raw%}{{ var }}{%endraw%}", vars: { var: "1" }, expected: "See some code {{ var }}" },
  { test: "PebbleVariableRendererTest.raw", template: "See some code {%-  raw%}{{ var }}{%endraw -%}", vars: { var: "1" }, expected: "See some code {{ var }}" },
  { test: "PebbleVariableRendererTest.raw", template: "See some code {% raw %}{{ var }}{% endraw %} and some other code {% raw %}{{ var2 }}{% endraw %}", vars: { var: "1" }, expected: "See some code {{ var }} and some other code {{ var2 }}" },
  { test: "PebbleVariableRendererTest.eval", template: "{{ block[inner].child }}", vars: { block: { test: { child: "awesome" } }, inner: "test" }, expected: "awesome" },
  { test: "PebbleVariableRendererTest.firstDefined", template: "{{ inner.bla is not defined ? block.test.child : null }}|{{ block.test.child is defined ? block.test.child : inner.bla }}", vars: { block: { test: { child: "awesome" } }, inner: "test" }, expected: "awesome|awesome" },
  { test: "PebbleVariableRendererTest.firstDefinedEval", template: "{{ block[inner].child is defined ? block[inner].child : null }}|{{ block[missing].child is defined ? null : block[inner].child }}|{{ block[missing].child is not defined ? (block[missing2].child is not defined ? block[inner].child : null) : null }}|{{ missing is defined ? null : block.test.child }}", vars: { block: { test: { child: "awesome" } }, inner: "test" }, expected: "awesome|awesome|awesome|awesome" },
  { test: "PebbleVariableRendererTest.get", template: "{{ block['test'] }}|{{ block['test']['child'] }}|{{ block[inner]['child'] }}", vars: { block: { test: { child: "awesome" } }, inner: "test" }, expected: '{"child":"awesome"}|awesome|awesome' },
  { test: "PebbleVariableRendererTest.get", template: "{{ get missing }}", vars: { block: { test: { child: "awesome" } }, inner: "test" }, error: /./ },
  // found by expression-fuzz.test.ts: a filter or attribute missing at the end is a parse error naming it
  { test: "(fuzz) filter name missing", template: "{{ s | }}", vars: { s: "x" }, error: "expected a filter name after '|' at the end of 's |'" },
  { test: "(fuzz) attribute missing", template: "{{ map. }}", vars: { map: {} }, error: /at the end of 'map\.'/ },
  { test: "(fuzz) jq over an empty text", template: "{{ '' | jq('.') | length }}", expected: "0" },
  // functions/KSUIDFunctionTest
  { test: "KSUIDFunctionTest.testKsuidGeneration", template: "{{ ksuid() | regexMatch('^[0-9A-Za-z]{27}$') }}", expected: "true" },
  { test: "KSUIDFunctionTest.testKsuidUniqueness", template: "{{ ksuid() != ksuid() }}", expected: "true" },
  { test: "(fuzz) epoch seconds beyond JavaScript's dates", template: "{{ 8640000086400 | date('yyyy') }}", error: "epoch seconds is a date Ferry cannot represent" },
];

describe("Kestra pebble test assertions, row by row", () => {
  runCases(CASES);
});
