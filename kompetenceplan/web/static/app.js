/* kompetenceplan: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  /* The error summary, a success banner or a confirmation takes the focus (autofocus does it
     without this script; here for browsers that skip autofocus on a non-control). */
  var focusTarget = document.querySelector("[data-focus]");
  if (focusTarget && (document.activeElement === document.body || document.activeElement === null)) { focusTarget.focus(); }

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  /* "Tilføj til møde" on the Indstilling page: sent in the background, the answer shown by the
     form (without JavaScript the form posts and the answer is a page of its own). */
  document.querySelectorAll("form[data-inline]").forEach(function (inline) {
    var result = inline.querySelector("[data-result]");
    var button = inline.querySelector("button[type=submit]");
    /* The answer names the field it is about (the meeting, or "Erstatter punkt"). */
    var confirmed = inline.querySelector("[data-confirmed]");
    function show(ok, message, href, field, confirm) {
      result.textContent = "";
      inline.querySelectorAll("[data-error-for]").forEach(function (other) {
        other.textContent = "";
        other.removeAttribute("role");
      });
      inline.querySelectorAll("select, input[type=text]").forEach(function (control) { control.removeAttribute("aria-invalid"); });
      inline.querySelectorAll(".has-error").forEach(function (holder) { holder.classList.remove("has-error"); });
      var slot = inline.querySelector('[data-error-for="' + field + '"]') || inline.querySelector("[data-error-for]");
      var control = inline.querySelector('[name="' + slot.getAttribute("data-error-for") + '"]');
      if (confirm) {
        /* another body's meeting: say what and why, and ask before adding (the answer gets the focus) */
        var box = document.createElement("div");
        box.className = "notice notice-warn";
        var text = document.createElement("p");
        text.textContent = confirm;
        var again = document.createElement("button");
        again.type = "button";
        again.className = "button button-secondary";
        again.textContent = "Tilføj alligevel";
        again.addEventListener("click", function () {
          if (confirmed) { confirmed.value = "ja"; }
          if (inline.requestSubmit) { inline.requestSubmit(); } else { inline.dispatchEvent(new Event("submit", { cancelable: true })); }
        });
        box.appendChild(text);
        box.appendChild(again);
        result.appendChild(box);
        result.focus();
        return;
      }
      if (ok) {
        var p = document.createElement("p");
        p.className = "added";
        p.textContent = message + " ";
        if (href) {
          var link = document.createElement("a");
          link.href = href;
          link.textContent = "Gå til mødet";
          p.appendChild(link);
        }
        result.appendChild(p);
        result.focus();
      } else {
        control.setAttribute("aria-invalid", "true");
        slot.closest(".field").classList.add("has-error");
        slot.setAttribute("role", "alert");
        var hidden = document.createElement("span");
        hidden.className = "visually-hidden";
        hidden.textContent = "Fejl: ";
        slot.appendChild(hidden);
        slot.appendChild(document.createTextNode(message));
      }
    }
    inline.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      inline.setAttribute("data-state", "busy");
      fetch(inline.getAttribute("action"), { method: "POST", body: new URLSearchParams(new FormData(inline)), credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (data) { show(Boolean(data.ok), data.message || "Svaret kunne ikke læses.", data.href, data.field, data.confirm); })
        .catch(function () { show(false, "Indstillingen kunne ikke sendes. Prøv igen."); })
        .then(function () { button.disabled = false; if (confirmed) { confirmed.value = ""; } inline.setAttribute("data-state", "idle"); });
    });
  });

  /* The indstilling: checked as one types; each finding beside its field (the server renders them). */
  var draft = document.querySelector("form[data-draft-live]");
  if (draft) {
    var draftUrl = draft.getAttribute("data-draft-live");
    var touched = new Set();
    var draftSeq = 0;
    var draftTimer = null;
    var statusBox = document.getElementById("tjek-status");
    var setDraftState = function (value) { document.documentElement.setAttribute("data-live", value); };
    var slotName = function (el) { var holder = el.closest("[data-field]"); return holder ? holder.getAttribute("data-field") : el.name; };
    var check = function () {
      var mine = ++draftSeq;
      setDraftState("busy");
      var body = new URLSearchParams(new FormData(draft));
      fetch(draftUrl, { method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (mine !== draftSeq) { return; }
          setDraftState("idle");
          if (!data.ok) { return; }
          document.querySelectorAll("[data-findings-for]").forEach(function (slot) {
            slot.innerHTML = (data.findings || {})[slot.getAttribute("data-findings-for")] || ""; /* rendered and escaped by the server */
          });
          draft.querySelectorAll("[data-field]").forEach(function (holder) {
            var name = holder.getAttribute("data-field");
            var slot = document.getElementById(name.split(".").join("-") + "-error");
            if (!slot || !touched.has(name)) { return; }
            var message = (data.fields || {})[name] || "";
            slot.textContent = "";
            if (message) {
              var hidden = document.createElement("span");
              hidden.className = "visually-hidden";
              hidden.textContent = "Fejl: ";
              slot.appendChild(hidden);
              slot.appendChild(document.createTextNode(message));
            }
            holder.classList.toggle("has-error", Boolean(message));
          });
          if (statusBox && data.status) { statusBox.innerHTML = data.status; }
        })
        .catch(function () { if (mine === draftSeq) { setDraftState("idle"); } });
    };
    draft.addEventListener("input", function (event) { touched.add(slotName(event.target)); clearTimeout(draftTimer); setDraftState("busy"); draftTimer = setTimeout(check, 400); });
    draft.addEventListener("change", function (event) { touched.add(slotName(event.target)); clearTimeout(draftTimer); check(); });
    setDraftState("idle");
  }

  var form = document.querySelector("form[data-live]");
  if (!form) { return; }
  var answer = document.getElementById("svar");
  var status = document.getElementById("svar-status");
  var summarySlot = document.getElementById("fejlliste-plads");
  var url = form.getAttribute("data-live");
  var dirty = new Set();
  var seq = 0;
  var timer = null;

  function fieldName(el) {
    var holder = el.closest("[data-field]");
    return holder ? holder.getAttribute("data-field") : el.name;
  }

  function setError(name, message) {
    var holder = form.querySelector('[data-field="' + name + '"]');
    var slot = form.querySelector('[data-error-for="' + name + '"]');
    if (!holder || !slot) { return; }
    slot.textContent = "";
    if (message) {
      var hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = "Fejl: ";
      slot.appendChild(hidden);
      slot.appendChild(document.createTextNode(message));
    }
    holder.classList.toggle("has-error", Boolean(message));
    holder.querySelectorAll("input, select, textarea").forEach(function (control) {
      if (message) { control.setAttribute("aria-invalid", "true"); } else { control.removeAttribute("aria-invalid"); }
    });
  }

  /* The step picker shows the steps of the area the chosen paragraph belongs to. */
  var areaField = form.querySelector("[data-field] select[name]");
  function syncSteps() {
    var selects = form.querySelectorAll("select");
    var area = "";
    selects.forEach(function (select) {
      var option = select.options[select.selectedIndex];
      if (option && option.getAttribute("data-area")) { area = option.getAttribute("data-area"); }
    });
    form.querySelectorAll("[data-derived-for]").forEach(function (span) {
      var target = form.querySelector('select[name="' + span.getAttribute("data-derived-for") + '"]');
      if (!target) { return; }
      var match = area ? target.querySelector('option[value="' + area + '"]') : null;
      span.textContent = match && !target.value ? "Udledt: " + match.textContent + "." : "";
    });
    if (!area) {
      selects.forEach(function (select) {
        if (select.value && select.querySelector('option[value="' + select.value + '"]:not([data-area])') &&
            form.querySelector('.step-group[data-area="' + select.value + '"]')) { area = select.value; }
      });
    }
    var groups = form.querySelectorAll(".step-group[data-area]");
    var checked = form.querySelector(".step-group input[type=radio]:checked");
    var value = checked ? checked.value : null;
    groups.forEach(function (group) {
      var show = !area || group.getAttribute("data-area") === area || groups.length === 1;
      group.hidden = !show;
      group.querySelectorAll("input").forEach(function (input) { input.disabled = !show; });
    });
    if (value !== null && checked.disabled) {
      checked.checked = false;
      var twin = form.querySelector('.step-group:not([hidden]) input[value="' + value + '"]');
      if (twin) { twin.checked = true; }
    }
  }

  function render(data, showAll) {
    answer.innerHTML = data.html; /* rendered and escaped by the server's templates */
    var grid = answer.closest(".advisor-grid");
    if (grid) { grid.classList.toggle("has-answer", Boolean(data.ok)); } /* on a phone the answer comes first */
    Object.keys(data.fields || {}).forEach(function (name) { if (showAll) { dirty.add(name); } });
    form.querySelectorAll("[data-field]").forEach(function (holder) {
      var name = holder.getAttribute("data-field");
      var message = (data.fields || {})[name] || "";
      setError(name, dirty.has(name) || showAll ? message : "");
    });
    summarySlot.innerHTML = showAll ? data.summary : "";
    status.textContent = data.announce || "";
  }

  /* data-live on <html>: "busy" while an answer is on its way (tests and styles can wait for it). */
  function state(value) { document.documentElement.setAttribute("data-live", value); }

  function update(showAll) {
    var mine = ++seq;
    state("busy");
    var body = new URLSearchParams(new FormData(form));
    return fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (mine !== seq) { return null; }
        state("idle");
        if (data.html === undefined) {
          status.textContent = data.message || "Svaret kunne ikke hentes.";
          answer.innerHTML = "";
          var p = document.createElement("p");
          p.className = "field-error";
          p.textContent = data.message || "Svaret kunne ikke hentes. Brug knappen Find niveau.";
          answer.appendChild(p);
          return null;
        }
        render(data, showAll);
        return data;
      })
      .catch(function () {
        if (mine === seq) { state("idle"); status.textContent = "Svaret kunne ikke hentes. Brug knappen Find niveau."; }
        return null;
      });
  }

  form.addEventListener("input", function (event) {
    if (event.target.type === "text") {
      state("busy");
      clearTimeout(timer);
      timer = setTimeout(function () { update(false); }, 350);
    }
  });
  form.addEventListener("change", function (event) {
    dirty.add(fieldName(event.target));
    if (event.target.tagName === "SELECT") { syncSteps(); }
    clearTimeout(timer);
    update(false);
  });
  form.addEventListener("submit", function (event) {
    /* a button with its own formaction (Gem routingen) posts the form as a page */
    if (event.submitter && event.submitter.hasAttribute("formaction")) { return; }
    event.preventDefault();
    clearTimeout(timer);
    update(true).then(function (data) {
      if (!data) { return; }
      var summary = document.getElementById("fejlliste");
      if (!data.ok && summary) { summary.focus(); } else { answer.focus(); }
    });
  });
  syncSteps();
  state("idle");
})();
