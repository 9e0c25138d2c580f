// Small helps over pages that work without script: pickers that follow the chosen school, a progress
// bar while a file is sent, more lines for a delivery, and the focus on what was refused.
(function () {
  'use strict';
  const summary = document.getElementById('form-errors');
  if (summary) summary.focus();
  else {
    // A refusal said only beside its field (a password reset low in the accounts' list): brought into view.
    const refused = document.querySelector('main [aria-invalid="true"]');
    if (refused) refused.focus();
  }

  // Where the page says it (declaring a fault), whether an item is under warranty and until when.
  const day = new Intl.DateTimeFormat((document.documentElement.lang || 'ar') + '-MA',
                                      {day: 'numeric', month: 'long', year: 'numeric'});
  function warrantyOf(list, a) {
    const words = list.dataset.warranty ? JSON.parse(list.dataset.warranty) : null;
    if (!words || !a.warranty_ends_on) return '';
    const ends = day.format(new Date(a.warranty_ends_on + 'T12:00:00'));
    return (a.warranty === 'ended' ? words.ended : words.running).replace('%(day)s', ends);
  }
  function fillAssets(list, rows) {
    const kinds = JSON.parse(list.dataset.kinds || '{}');
    list.replaceChildren(...rows.map(a => {
      const o = document.createElement('option');
      o.value = a.serial;
      const warranty = warrantyOf(list, a);
      if (warranty) o.dataset.warranty = warranty;
      o.textContent = [kinds[a.kind] || a.kind, a.model, warranty].filter(Boolean).join(' · ');
      return o;
    }));
  }
  function showWarranty(input) {
    const note = document.querySelector('.warranty-note[data-for="' + input.id + '"]');
    if (!note || !input.list) return;
    const typed = input.value.trim().toUpperCase();  // a serial typed in any case is the same item
    const picked = Array.from(input.list.options).find(o => o.value.toUpperCase() === typed);
    note.textContent = picked && picked.dataset.warranty ? picked.dataset.warranty : '';
  }
  const assetList = document.getElementById('dl-assets');
  let timer = null;
  function lookUp(params) {
    if (!assetList) return;
    fetch('/api/equipment?' + new URLSearchParams(params), {credentials: 'same-origin'})
      .then(r => r.ok ? r.json() : {items: []})
      .then(found => fillAssets(assetList, found.items || []))
      .catch(() => {});
  }
  document.querySelectorAll('form [data-picker=school]').forEach(input => {
    input.addEventListener('change', () => {
      const code = input.value.split('·')[0].trim();
      if (code && input.form.querySelector('[data-picker=asset]')) lookUp({school_code: code, per_page: 0});
    });
  });
  document.querySelectorAll('form [data-picker=asset]').forEach(input => {
    input.addEventListener('change', () => showWarranty(input));
    input.addEventListener('input', () => {
      showWarranty(input);
      const school = input.form.querySelector('[data-picker=school]');
      if (school && school.value.trim()) return;  // the school's list is already there
      clearTimeout(timer);
      const text = input.value.trim();
      if (text.length >= 2) timer = setTimeout(() => lookUp({q: text, per_page: 20}), 200);
    });
  });

  // A fault picked by its item's serial: whether it is under warranty (a claim, a repair's cost depend on it).
  document.querySelectorAll('form [data-picker=fault]').forEach(input => {
    ['input', 'change'].forEach(ev => input.addEventListener(ev, () => showWarranty(input)));
  });

  // More lines for a delivery typed by hand.
  const more = document.getElementById('more-lines');
  if (more) more.addEventListener('click', () => {
    const body = document.querySelector('#lines tbody');
    const last = body.lastElementChild;
    const n = body.children.length + 1;
    const row = last.cloneNode(true);
    row.querySelectorAll('input,select').forEach(el => {
      el.name = el.name.replace(/-\d+$/, '-' + n);
      el.id = el.id.replace(/-\d+$/, '-' + n);
      if (el.tagName === 'INPUT') el.value = '';
      el.removeAttribute('aria-invalid');
    });
    row.querySelectorAll('label').forEach(l => { l.htmlFor = l.htmlFor.replace(/-\d+$/, '-' + n); });
    row.querySelectorAll('.field-err').forEach(e => e.remove());
    body.append(row);
    row.querySelector('input').focus();
  });

  // A form is sent once: a second click waits for the first answer (the server also remembers its key).
  document.querySelectorAll('form[method=post]').forEach(form => form.addEventListener('submit', () => {
    setTimeout(() => form.querySelectorAll('button[type=submit]').forEach(b => { b.disabled = true; }), 0);
  }));

  // A file is picked in the page's words: the browser's control (in the browser's language) is hidden from sight,
  // not from the keyboard; its label, a button in the page's language, opens it, and the line beside says the file.
  document.querySelectorAll('.file-pick').forEach(pick => {
    const input = pick.querySelector('input[type=file]'), chosen = pick.querySelector('.file-name');
    const none = chosen.textContent;
    pick.querySelector('.file-button').hidden = chosen.hidden = false;
    pick.classList.add('ready');
    input.addEventListener('change', () => {
      chosen.textContent = input.files.length ? [...input.files].map(f => f.name).join(', ') : none;
    });
  });

  // A file is sent with a progress bar; the answer replaces the page as a normal submit would.
  document.querySelectorAll('form[enctype="multipart/form-data"]').forEach(form => {
    form.addEventListener('submit', ev => {
      const file = form.querySelector('input[type=file]');
      if (!file || !file.files.length) return;
      ev.preventDefault();
      const bar = form.querySelector('progress');
      const status = form.querySelector('.progress-status');
      if (bar) { bar.hidden = false; bar.value = 0; }
      const xhr = new XMLHttpRequest();
      xhr.open('POST', form.action || location.href);
      xhr.upload.onprogress = e => { if (bar && e.lengthComputable) bar.value = Math.round(e.loaded / e.total * 90); };
      xhr.upload.onload = () => { if (status) status.textContent = status.dataset.checking; };
      xhr.onload = () => {
        if (bar) bar.value = 100;
        if (xhr.responseURL && xhr.responseURL !== (form.action || location.href) && xhr.status < 400) {
          location.assign(xhr.responseURL);
          return;
        }
        document.open(); document.write(xhr.responseText); document.close();
      };
      xhr.send(new FormData(form));
    });
  });
})();
// A distribution says how many schools it reaches before it is sent: those picked, or else those of the cycle
// and setting chosen, in the form the language gives that number (1 établissement, 2 établissements; مؤسسة
// واحدة، مؤسستين، 3 مؤسسات، 11 مؤسسة), the number written as the page writes numbers.
document.querySelectorAll('#reach[data-forms]').forEach(out => {
  const form = out.closest('form');
  const lang = document.documentElement.lang || 'ar';
  const rules = new Intl.PluralRules(lang), written = new Intl.NumberFormat(lang + '-MA');
  // The page gives the sentence for a number of each category; the first number met of a category speaks for it.
  const said = {};
  Object.entries(JSON.parse(out.dataset.forms)).forEach(([sample, sentence]) => {
    const category = rules.select(Number(sample));
    if (!(category in said)) said[category] = sentence;
  });
  function count() {
    const picked = form.querySelectorAll('#f-school_codes option:checked').length;
    const cycle = form.querySelector('#f-cycle').value, setting = form.querySelector('#f-setting').value;
    let n = picked;
    if (!picked && (cycle || setting)) {
      n = [...form.querySelectorAll('#f-school_codes option')].filter(o =>
        (!cycle || o.dataset.cycle === cycle) && (!setting || o.dataset.setting === setting)).length;
    }
    const number = written.formatToParts(n).map(p => p.type === 'group' ? out.dataset.thousands : p.value).join('');
    out.textContent = (said[rules.select(n)] || said.other).split('{n}').join(number);
  }
  form.addEventListener('change', count);
  count();
});
document.querySelectorAll('[data-print]').forEach(b => b.addEventListener('click', () => window.print()));
// A region that scrolls sideways can be reached and scrolled from the keyboard.
document.querySelectorAll('.table-wrap, .card').forEach(el => {
  if (el.scrollWidth > el.clientWidth + 1 && !el.hasAttribute('tabindex')) el.tabIndex = 0;
});
