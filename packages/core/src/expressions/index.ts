export { renderString, renderValue, evaluateExpression, checkTemplate, hasTemplate } from "./render.js";
export type { RenderContext } from "./evaluator.js";
export type { Callable, CallInfo } from "./filters.js";
export { ExpressionError, UndefinedError, RenderLimitError } from "./expression.error.js";
export { configureRenderLimits, DEFAULT_RENDER_LIMITS, type RenderLimits } from "./render-limits.js";
export { stringify, isTruthy } from "./values.js";
export { formatDate, toDate } from "./date-filters.js";
export { outputReferences, type OutputScope } from "./output-references.js";
