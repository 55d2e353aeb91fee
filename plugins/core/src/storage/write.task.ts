import { defineTask, schema, z } from "@ferry/sdk";
import { freshName } from "./file-names.js";

export const writeTask = defineTask({
  kind: "runnable",
  type: "core.storage.Write",
  aliases: ["io.kestra.plugin.core.storage.Write"],
  title: "Write a file to internal storage",
  description: "Stores `content` as a file of this execution, named with `extension` (`.tmp` when none), and outputs its `uri`.",
  properties: z.strictObject({
    content: schema.text(),
    extension: z.string().min(1).optional(),
  }),
  outputs: z.object({ uri: z.string() }),
  examples: [{ title: "Write a text file", flow: "id: write\nnamespace: company.team\ntasks:\n  - id: write\n    type: io.kestra.plugin.core.storage.Write\n    content: Hello World\n    extension: .txt\n" }],
  async run(ctx, props) {
    return { uri: await ctx.putFile(freshName(props.extension), props.content) };
  },
});
