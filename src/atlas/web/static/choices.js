// The type-ahead of `ui.choice` (_macros.html): htmx fetches the matching options into the
// field's list; this picks one with the mouse or the keyboard (arrows, Enter, Escape) and
// fills the hidden id and the text it was chosen with. Without it the page reads back a
// typed exact name.
(function () {
  "use strict";

  function parts(element) {
    var box = element.closest("[data-choice]");
    if (!box) return null;
    var name = box.getAttribute("data-choice");
    return {
      box: box,
      input: box.querySelector('input[role="combobox"]'),
      id: box.querySelector('input[type="hidden"][name="' + name + '"]'),
      label: box.querySelector('input[type="hidden"][name="' + name + '-label"]'),
      list: box.querySelector('[role="listbox"]'),
    };
  }

  function options(field) {
    return field.list ? Array.prototype.slice.call(field.list.querySelectorAll('[role="option"]')) : [];
  }

  function close(field) {
    var status = field.box.querySelector(".choice-status");
    if (status) status.remove();
    if (field.list) {
      field.list.hidden = true;
      field.list.innerHTML = "";
    }
    field.input.setAttribute("aria-expanded", "false");
    field.input.removeAttribute("aria-activedescendant");
  }

  function activate(field, index) {
    var all = options(field);
    all.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (all[index]) {
      field.input.setAttribute("aria-activedescendant", all[index].id);
      all[index].scrollIntoView({ block: "nearest" });
    }
  }

  function pick(field, option) {
    var text = option.textContent.trim();
    field.id.value = option.getAttribute("data-value");
    field.label.value = text;
    field.input.value = text;
    close(field);
    field.input.focus();
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var field = parts(event.target);
    if (!field) return;
    field.list = field.box.querySelector('[role="listbox"]');
    var open = options(field).length > 0;
    field.input.setAttribute("aria-expanded", open ? "true" : "false");
    field.input.removeAttribute("aria-activedescendant");
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!target.matches || !target.matches('[data-choice] input[role="combobox"]')) return;
    var field = parts(target);
    var all = options(field);
    var active = all.findIndex(function (o) { return o.getAttribute("aria-selected") === "true"; });
    if (event.key === "ArrowDown" && all.length) {
      event.preventDefault();
      activate(field, Math.min(active + 1, all.length - 1));
    } else if (event.key === "ArrowUp" && all.length) {
      event.preventDefault();
      activate(field, Math.max(active - 1, 0));
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      pick(field, all[active]);
    } else if (event.key === "Escape" && all.length) {
      event.preventDefault();
      close(field);
    }
  });

  document.addEventListener("click", function (event) {
    var option = event.target.closest && event.target.closest('[data-choice] [role="option"]');
    if (option) {
      pick(parts(option), option);
      return;
    }
    document.querySelectorAll("[data-choice]").forEach(function (box) {
      if (!box.contains(event.target)) close(parts(box));
    });
  });
})();
