export { renderString, renderValue, evaluateExpression, checkTemplate, hasTemplate } from "./render.js";
export type { RenderContext } from "./evaluator.js";
export type { Callable } from "./filters.js";
export { ExpressionError, UndefinedError } from "./expression.error.js";
export { stringify, isTruthy } from "./values.js";
export { formatDate, toDate } from "./date-format.js";
