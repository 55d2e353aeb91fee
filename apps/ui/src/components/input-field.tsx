import type { InputSpec } from "../api/types";

const text = (v: unknown) => (v === undefined || v === null ? "" : typeof v === "string" ? v : JSON.stringify(v));

/** a datetime-local value (no zone: the browser's) as an ISO-8601 instant */
export const toIso = (local: string) => (local ? new Date(local).toISOString() : "");

type Option = NonNullable<InputSpec["values"]>[number];
/** what an option gives the flow, and what the form shows for it */
const optionValue = (option: Option) => String(typeof option === "object" ? option.value : option);
const optionLabel = (option: Option) => String(typeof option === "object" ? (option.label ?? option.value) : option);

/** the input's default as the server reads it: `defaults`, else the first value of a SELECT or MULTISELECT with autoSelectFirst */
function defaultOf(input: InputSpec): unknown {
  if (input.defaults !== undefined && input.defaults !== null) return input.defaults;
  if (!input.autoSelectFirst || !input.values?.length) return input.defaults ?? undefined;
  return input.type === "MULTISELECT" ? [optionValue(input.values[0])] : optionValue(input.values[0]);
}

/** one form control for a typed input, with the checks the browser can make before the server does its own */
export function InputField({ input, name }: { input: InputSpec; name?: string }) {
  const id = `input-${input.id}`;
  const fallback = defaultOf(input);
  // a prefill starts the field as a default would, but the server applies none: a cleared required field is still missing
  const d = fallback ?? (input.prefill === null ? undefined : input.prefill);
  const common = { id, name: name ?? input.id, required: input.required !== false && fallback === undefined, "aria-label": input.displayName ?? input.id };
  const radio = (input.type === "SELECT" || input.type === "ENUM") && Boolean(input.isRadio) && !input.allowCustomValue;
  let control;
  switch (input.type) {
    case "INT":
    case "FLOAT":
      control = <input type="number" step={input.type === "INT" ? 1 : "any"} min={input.min} max={input.max} defaultValue={text(d)} {...common} />;
      break;
    case "BOOLEAN":
      control = (
        <select defaultValue={d === undefined ? "" : String(d)} {...common}>
          {d === undefined && <option value="">choose</option>}
          <option value="true">true</option>
          <option value="false">false</option>
        </select>
      );
      break;
    case "DATETIME":
      control = <input type="datetime-local" step={1} data-kind="datetime" defaultValue={d ? String(d).slice(0, 19) : ""} {...common} />;
      break;
    case "DATE":
      control = <input type="date" defaultValue={text(d)} {...common} />;
      break;
    case "TIME":
      control = <input type="time" step={1} defaultValue={text(d)} {...common} />;
      break;
    case "FILE":
      control = <input type="file" accept={input.allowedFileExtensions?.join(",")} {...common} />;
      break;
    case "SELECT":
    case "ENUM":
      control = radio ? (
        <span role="radiogroup" id={id} aria-label={common["aria-label"]}>
          {input.values?.map((v) => (
            <label key={optionValue(v)}>
              <input type="radio" name={common.name} value={optionValue(v)} defaultChecked={text(d) === optionValue(v)} required={common.required} /> {optionLabel(v)}
            </label>
          ))}
        </span>
      ) : input.allowCustomValue ? (
        <>
          <input list={`${id}-values`} defaultValue={text(d)} {...common} />
          <datalist id={`${id}-values`}>{input.values?.map((v) => <option key={optionValue(v)} value={optionValue(v)} label={optionLabel(v)} />)}</datalist>
        </>
      ) : (
        <select defaultValue={text(d)} {...common}>
          {d === undefined && <option value="">choose</option>}
          {input.values?.map((v) => (
            <option key={optionValue(v)} value={optionValue(v)}>
              {optionLabel(v)}
            </option>
          ))}
        </select>
      );
      break;
    case "MULTISELECT":
      control = (
        <select multiple data-kind="multi" defaultValue={Array.isArray(d) ? d.map(String) : []} {...common}>
          {input.values?.map((v) => (
            <option key={optionValue(v)} value={optionValue(v)}>
              {optionLabel(v)}
            </option>
          ))}
        </select>
      );
      break;
    case "JSON":
    case "YAML":
    case "ARRAY":
    // Kestra's OBJECT and TABLE inputs: an object of properties, a list of rows, written as JSON
    case "OBJECT":
    case "TABLE":
      control = <textarea rows={4} className="mono" placeholder={input.type === "YAML" ? "key: value" : input.type === "OBJECT" ? '{"key": "value"}' : input.type === "TABLE" ? '[{"column": "value"}]' : '["a", "b"]'} defaultValue={input.type === "YAML" || typeof d === "string" ? text(d) : d === undefined ? "" : JSON.stringify(d, null, 2)} {...common} />;
      break;
    case "SECRET":
      control = <input type="password" autoComplete="off" {...common} />;
      break;
    case "EMAIL":
      control = <input type="email" defaultValue={text(d)} {...common} />;
      break;
    case "URI":
      control = <input type="url" defaultValue={text(d)} {...common} />;
      break;
    default:
      control = <input type="text" defaultValue={text(d)} pattern={input.validator ? jsPattern(input.validator) : undefined} {...common} />;
  }
  const body = (
    <>
      <span>
        {input.displayName ?? input.id} <span className="muted">({input.type}{common.required ? ", required" : ""})</span>
      </span>
      {control}
      {input.description && <span className="muted">{input.description}</span>}
    </>
  );
  // radio buttons carry a label each, and a label may not hold another
  return radio ? <div className="field">{body}</div> : <label htmlFor={id}>{body}</label>;
}

/** a Java regex the browser can check (full match, as Kestra's validator), or none when JavaScript reads it otherwise */
function jsPattern(validator: string): string | undefined {
  try {
    new RegExp(`^(?:${validator})$`, "v");
    return validator;
  } catch {
    return undefined;
  }
}

/** the form's values as the API's multipart body: files as parts, lists as JSON, date-times as instants */
export function formBody(form: HTMLFormElement, inputs: InputSpec[]): FormData {
  const body = new FormData();
  for (const input of inputs) {
    // radio buttons (a SELECT with isRadio) answer as a RadioNodeList, whose value is the checked one's
    const element = form.elements.namedItem(input.id) as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement | RadioNodeList | null;
    if (!element) continue;
    if (element instanceof HTMLInputElement && element.type === "file") {
      if (element.files?.[0]) body.append(input.id, element.files[0], element.files[0].name);
    } else if (element instanceof HTMLSelectElement && element.multiple) {
      const values = [...element.selectedOptions].map((o) => o.value);
      if (values.length) body.append(input.id, JSON.stringify(values));
    } else if (element.value !== "") {
      body.append(input.id, element instanceof HTMLElement && element.dataset.kind === "datetime" ? toIso(element.value) : element.value);
    }
  }
  return body;
}
