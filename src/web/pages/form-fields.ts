/**
 * Form fields that survive a refusal: a refused form comes back with what was typed, the error beside the field at
 * fault (aria-invalid, aria-describedby), and, for text, its limit as maxlength with a live "n / max" counter
 * (DESK_SCRIPT, served at /assets/desk.js: the CSP allows only our own scripts). The counter is rendered on the
 * server too, so it is right before the script runs and without it.
 */
import { html, type SafeHtml } from './html.ts';

/** A refused form: which one, what it held, and what was wrong with which field. */
export interface Rejected {
  /** The form's action path, e.g. /incidents/3/update. */
  form: string;
  values: Readonly<Record<string, string>>;
  field: string;
  message: string;
}

/** What a form needs to show itself again after a refusal (nothing when it was not the refused one). */
export interface FormState {
  values: Readonly<Record<string, string>>;
  error?: { field: string; message: string };
}

export const formState = (rejected: Rejected | undefined, form: string): FormState =>
  rejected?.form === form ? { values: rejected.values, error: { field: rejected.field, message: rejected.message } } : { values: {} };

/** The error paragraph for `name`, if the refusal was about it. */
export function fieldError(state: FormState, id: string, name: string): SafeHtml | false {
  return state.error?.field === name && html`<p class="field-error" id="${id}-error" role="alert">${state.error.message}</p>`;
}

/** A refusal about no field in particular (or a field this form does not show), shown at the top of the form. */
export function formError(state: FormState, fields: readonly string[]): SafeHtml | false {
  return state.error !== undefined && !fields.includes(state.error.field) && html`<p class="field-error" role="alert">${state.error.message}</p>`;
}

export interface TextFieldOptions {
  id: string;
  name: string;
  label: string;
  hint?: string;
  max: number;
  multiline?: boolean;
  required?: boolean;
  /** The value when the form was not refused (e.g. the current title). */
  initial?: string;
  rows?: number;
  grow?: boolean;
}

/** A labelled text input or textarea with maxlength, a live counter and its error, refilled after a refusal. */
export function textField(state: FormState, o: TextFieldOptions): SafeHtml {
  const value = state.values[o.name] ?? o.initial ?? '';
  const invalid = state.error?.field === o.name;
  const describedBy = [`${o.id}-count`, ...(invalid ? [`${o.id}-error`] : [])].join(' ');
  const attrs = html`id="${o.id}" name="${o.name}" maxlength="${o.max}" aria-describedby="${describedBy}"${o.required ? html` required` : ''}${invalid ? html` aria-invalid="true"` : ''}`;
  const control = o.multiline
    ? html`<textarea ${attrs} rows="${o.rows ?? 3}">${value}</textarea>`
    : html`<input type="text" ${attrs} value="${value}" autocomplete="off">`;
  return html`<div class="field${o.grow ? ' grow' : ''}"><label for="${o.id}">${o.label}${o.hint && html` <span class="hint">(${o.hint})</span>`}</label>
${control}
<output class="counter" id="${o.id}-count" data-counter-for="${o.id}" aria-live="polite">${value.length} / ${o.max}</output>
${fieldError(state, o.id, o.name)}</div>`;
}

/** Keeps every counter current as people type. */
export const DESK_SCRIPT = `(function () {
  'use strict';
  function wire(out) {
    var field = document.getElementById(out.getAttribute('data-counter-for'));
    if (!field) return;
    var max = field.getAttribute('maxlength');
    function update() {
      var n = field.value.length;
      out.textContent = n + ' / ' + max;
      out.classList.toggle('near', n > max * 0.9);
    }
    field.addEventListener('input', update);
    update();
  }
  var outs = document.querySelectorAll('output[data-counter-for]');
  for (var i = 0; i < outs.length; i++) wire(outs[i]);
})();
`;
