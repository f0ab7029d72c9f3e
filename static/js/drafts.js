// Keeps what is typed into a long form, so a session that expires (staff are signed out after
// 30 minutes without a request) does not throw the typing away.
//
// A form marked data-keep-draft="<key>" has its text areas, text inputs and radios kept in
// localStorage as the person types. When the same page loads again showing what it showed when
// the typing started (the save never reached the server), the kept values are put back and a
// notice says so. A page marked data-draft-saved="<key>" tells the script that the server has
// saved that form: its draft is forgotten. The signed-out page (data-forget-drafts) forgets every
// draft, so a shared computer keeps no findings once their author has signed out.

const PREFIX = "dps-draft:";
const FIELDS = "textarea, input[type=text], input[type=radio]";

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null; // Storage switched off: the form works as before.
  }
}

function valuesOf(form) {
  const values = {};
  for (const field of form.querySelectorAll(FIELDS)) {
    if (!field.name || field.name === "csrf_token") continue;
    if (field.type === "radio") {
      if (!(field.name in values)) values[field.name] = "";
      if (field.checked) values[field.name] = field.value;
    } else {
      values[field.name] = field.value;
    }
  }
  return values;
}

function fill(form, values) {
  for (const field of form.querySelectorAll(FIELDS)) {
    if (!(field.name in values)) continue;
    if (field.type === "radio") {
      field.checked = field.value === values[field.name];
    } else {
      field.value = values[field.name];
    }
  }
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function showNotice(form, savedAt) {
  const notice = document.createElement("div");
  notice.className = "govuk-inset-text";
  notice.setAttribute("role", "status");
  notice.dataset.draftRestored = "";
  const when = savedAt ? ` at ${new Date(savedAt).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" })}` : "";
  notice.textContent =
    `We have put back what you typed${when} but had not saved. Check it, then save it.`;
  form.parentNode.insertBefore(notice, form);
}

function keepDraft(form, store) {
  const key = PREFIX + form.dataset.keepDraft;
  const shown = valuesOf(form);
  let kept = null;
  try {
    kept = JSON.parse(store.getItem(key) || "null");
  } catch {
    kept = null;
  }
  if (kept && same(kept.base, shown) && !same(kept.values, shown)) {
    fill(form, kept.values);
    showNotice(form, kept.savedAt);
  }
  const base = kept && same(kept.base, shown) ? kept.base : shown;
  const save = () => {
    const values = valuesOf(form);
    if (same(values, base)) {
      store.removeItem(key);
      return;
    }
    try {
      store.setItem(key, JSON.stringify({ base, values, savedAt: Date.now() }));
    } catch {
      // Storage full: nothing more to do.
    }
  };
  form.addEventListener("input", save);
  form.addEventListener("change", save);
}

const store = storage();
if (store && document.querySelector("[data-forget-drafts]")) {
  for (const key of Object.keys(store)) {
    if (key.startsWith(PREFIX)) store.removeItem(key);
  }
}
if (store) {
  for (const marker of document.querySelectorAll("[data-draft-saved]")) {
    store.removeItem(PREFIX + marker.dataset.draftSaved);
  }
  for (const form of document.querySelectorAll("form[data-keep-draft]")) {
    keepDraft(form, store);
  }
}
