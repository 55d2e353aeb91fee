import { z } from "@ferry/sdk";

/** a list of child tasks; the flow validator checks each task against its own type */
export const taskList = () => z.array(z.looseObject({ id: z.string(), type: z.string() }));
