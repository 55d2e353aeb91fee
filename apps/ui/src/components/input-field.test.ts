import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { InputSpec } from "../api/types";
import { InputField } from "./input-field";

/* The run form's control for an input, as the browser gets it (rendered on the server side of React, no DOM needed). */
const html = (input: InputSpec) => renderToStaticMarkup(createElement(InputField, { input }));

describe("InputField", () => {
  it("shows a SELECT with isRadio as radio buttons, the default checked (Kestra's isRadio)", () => {
    const markup = html({ id: "size", type: "SELECT", values: ["small", { label: "Large", value: "large" }], defaults: "large", isRadio: true });
    expect(markup).toContain('role="radiogroup"');
    expect(markup.match(/type="radio"/g)).toHaveLength(2);
    expect(markup).toContain('<label><input type="radio" name="size" checked="" value="large"/> Large</label>');
    expect(markup).toContain('<label><input type="radio" name="size" value="small"/> small</label>');
    expect(markup).toMatch(/^<div class="field">/);
    expect(markup).not.toContain("<select");
    expect(html({ id: "size", type: "SELECT", values: ["small"] })).toContain("<select");
  });

  it("starts a field with its prefill, which stays clearable: the field is not required by it (Kestra's prefill)", () => {
    const optional = html({ id: "note", type: "STRING", required: false, prefill: "a suggestion" });
    expect(optional).toContain('value="a suggestion"');
    expect(optional).not.toContain("required");
    // a required input with only a prefill is still required: a cleared field is missing, as the server says
    expect(html({ id: "note", type: "STRING", prefill: "a suggestion" })).toContain('required=""');
    expect(html({ id: "note", type: "STRING", defaults: "x" })).not.toContain("required");
  });
});
