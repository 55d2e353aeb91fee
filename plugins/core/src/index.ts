import { definePlugin } from "@ferry/sdk";
import { httpConnectionType } from "./http/http.connection.js";
import { forEachTask } from "./flow/for-each.task.js";
import { allowFailureTask } from "./flow/allow-failure.task.js";
import { dagTaskDefinition } from "./flow/dag.task.js";
import { exitTask } from "./execution/exit.task.js";
import { killTask } from "./execution/kill.task.js";
import { resumeTask } from "./execution/resume.task.js";
import { labelsTask } from "./execution/labels.task.js";
import { setVariablesTask, unsetVariablesTask } from "./execution/variables.tasks.js";
import { failTask } from "./flow/fail.task.js";
import { ifTask } from "./flow/if.task.js";
import { parallelTask } from "./flow/parallel.task.js";
import { sequentialTask } from "./flow/sequential.task.js";
import { sleepTask } from "./flow/sleep.task.js";
import { loopUntilTask } from "./flow/loop-until.task.js";
import { loopTask } from "./flow/loop.task.js";
import { pauseTask } from "./flow/pause.task.js";
import { approvalTask } from "./flow/approval.task.js";
import { subflowTask } from "./flow/subflow.task.js";
import { switchTask } from "./flow/switch.task.js";
import { requestTask } from "./http/request.task.js";
import { echoTask, logTask } from "./log/log.task.js";
import { eachParallelTask, eachSequentialTask } from "./flow/each.tasks.js";
import { outputValuesTask } from "./output/output-values.task.js";
import { returnTask } from "./output/return.task.js";
import { kvDeleteTask, kvGetKeysTask, kvGetTask, kvSetTask } from "./kv/kv.tasks.js";
import { kvPutTask } from "./kv/put.task.js";
import { purgeExecutionsTask, purgeKvTask, purgeLogsTask } from "./purge/purge.tasks.js";
import { purgeFlowsTask } from "./purge/purge-flows.task.js";
import { flowTrigger, scheduleTrigger, webhookTrigger } from "./trigger/triggers.js";
import { httpTrigger } from "./http/http.trigger.js";
import { toggleTask } from "./trigger/toggle.task.js";
import { scheduleOnDatesTrigger } from "./trigger/schedule-on-dates.trigger.js";
import { writeTask } from "./storage/write.task.js";
import { concatTask } from "./storage/concat.task.js";
import { splitTask } from "./storage/split.task.js";
import { sizeTask } from "./storage/size.task.js";
import { deleteTask } from "./storage/delete.task.js";
import { reverseTask } from "./storage/reverse.task.js";
import { deduplicateItemsTask } from "./storage/deduplicate-items.task.js";
import { filterItemsTask } from "./storage/filter-items.task.js";
import { purgeCurrentExecutionFilesTask } from "./storage/purge-current-execution-files.task.js";
import { localFilesTask } from "./storage/local-files.task.js";
import { downloadTask } from "./http/download.task.js";
import { sseRequestTask } from "./http/sse-request.task.js";
import { deleteFilesTask, downloadFilesTask, uploadFilesTask } from "./namespace/namespace-files.tasks.js";
import { templatedTask } from "./templating/templated.task.js";
import { fetchTask } from "./log/fetch.task.js";
import { countTask } from "./execution/count.task.js";
import { publishTask } from "./metric/publish.task.js";
import { assertTask } from "./execution/assert.task.js";
import { stateDeleteTask, stateGetTask, stateSetTask } from "./state/state.tasks.js";
import { workingDirectoryTask } from "./flow/working-directory.task.js";
import { forEachItemTask } from "./flow/for-each-item.task.js";
import { forEachItemSplitTask } from "./flow/for-each-item-split.task.js";
import { forEachItemItemsTask } from "./flow/for-each-item-items.task.js";
import { forEachItemMergeTask } from "./flow/for-each-item-merge.task.js";

export { loopTask, loopUntilTask, echoTask, eachParallelTask, eachSequentialTask, forEachTask, failTask, ifTask, parallelTask, pauseTask, approvalTask, sequentialTask, sleepTask, subflowTask, switchTask, requestTask, logTask, outputValuesTask, returnTask, workingDirectoryTask };

export default definePlugin({
  name: "@ferry/plugin-core",
  version: "0.1.0",
  connectionTypes: [httpConnectionType],
  triggers: [scheduleTrigger, scheduleOnDatesTrigger, webhookTrigger, flowTrigger, httpTrigger],
  tasks: [logTask, outputValuesTask, returnTask, failTask, sleepTask, loopUntilTask, loopTask, pauseTask, approvalTask, sequentialTask, parallelTask, ifTask, switchTask, forEachTask, eachSequentialTask, eachParallelTask, subflowTask, requestTask, echoTask, kvSetTask, kvPutTask, kvGetTask, kvGetKeysTask, kvDeleteTask,
    purgeExecutionsTask, purgeLogsTask, purgeKvTask, purgeFlowsTask, allowFailureTask, dagTaskDefinition, exitTask, resumeTask, labelsTask, setVariablesTask, unsetVariablesTask,
    killTask,
    writeTask, concatTask, splitTask, sizeTask, deleteTask, reverseTask, deduplicateItemsTask, filterItemsTask, purgeCurrentExecutionFilesTask, localFilesTask,
    downloadTask, sseRequestTask, uploadFilesTask, downloadFilesTask, deleteFilesTask, templatedTask, fetchTask, countTask, assertTask, stateGetTask, stateSetTask, stateDeleteTask, toggleTask, workingDirectoryTask,
    forEachItemTask, forEachItemSplitTask, forEachItemItemsTask, forEachItemMergeTask, publishTask],
});
