import { describe, expect, it } from "vitest";
import { scheduleTrigger } from "./triggers.js";

const parse = (props: unknown) => scheduleTrigger.properties.safeParse(props);

describe("core.trigger.Schedule", () => {
  // Kestra's io.kestra.plugin.core.execution.Count @Example writes `cron: "0 4 * * * "`; Schedule.CRON_PARSER
  // (cron-utils' CronParser.parse) collapses whitespace runs and trims before reading the fields
  it("reads a cron with a trailing space, a leading one and doubled spaces as cron-utils does (Kestra's Count example)", () => {
    for (const cron of ["0 4 * * * ", " 0 4 * * *", "0  4 *\t* *"]) {
      const result = parse({ cron, timezone: "UTC" });
      expect(result.success, cron).toBe(true);
      expect(scheduleTrigger.nextFire!(result.data!, new Date("2030-01-01T00:00:00Z"))?.toISOString()).toBe("2030-01-01T04:00:00.000Z");
    }
  });

  it("still refuses a cron of the wrong field count or blank, naming cron", () => {
    for (const cron of ["0 4 * *", "   "]) {
      const result = parse({ cron });
      expect(result.success, cron).toBe(false);
      expect(result.error!.issues[0]!.path).toEqual(["cron"]);
    }
  });
});
