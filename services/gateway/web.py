"""The web application: server-rendered pages in Arabic (default, right to left) or French.

Pages read through the same `Api` object as the HTTP API, so roles and scopes are the same; the daily-work
forms post JSON to the API with a little JavaScript and show the answer, field by field.
"""
from __future__ import annotations

import os
from datetime import date, datetime, timezone
from html import escape
from urllib.parse import quote, unquote, urlsplit

from werkzeug.wrappers import Request, Response

from services.reporting.indicators import REGISTRY
from services.reporting.registry import AXES
from shared.config import province_code

from .access import Refused, can_run
from .accounts import issue_token
from .api import COMMAND_BY_PATH, COOKIE, HttpProblem, current_school_year, failure

LANGS = ("ar", "fr")
T = {
    "title": ("تنسيق برنامج جيني", "Coordination GENIE"),
    "dashboard": ("لوحة القيادة", "Tableau de bord"),
    "schools": ("المؤسسات", "Établissements"),
    "assets": ("البحث عن عتاد", "Rechercher un matériel"),
    "work": ("العمل اليومي", "Travail quotidien"),
    "logout": ("خروج", "Déconnexion"),
    "login": ("تسجيل الدخول", "Connexion"),
    "username": ("اسم المستخدم", "Nom d'utilisateur"),
    "password": ("كلمة المرور", "Mot de passe"),
    "bad_login": ("اسم المستخدم أو كلمة المرور غير صحيحة", "Nom d'utilisateur ou mot de passe incorrect"),
    "scope": ("النطاق", "Périmètre"),
    "period": ("الفترة", "Période"),
    "indicator": ("المؤشر", "Indicateur"),
    "value": ("القيمة", "Valeur"),
    "trend": ("التطور حسب الأسدس", "Évolution par semestre"),
    "equipment": ("التجهيزات", "Équipements"),
    "faults": ("الأعطال المفتوحة", "Pannes ouvertes"),
    "resources": ("الموارد الرقمية", "Ressources numériques"),
    "visits": ("زيارات التتبع", "Visites de suivi"),
    "trainings": ("التكوين", "Formation"),
    "serial": ("الرقم التسلسلي", "Numéro de série"),
    "search": ("بحث", "Rechercher"),
    "timeline": ("المسار", "Historique"),
    "none": ("لا شيء", "Aucun"),
    "kind": ("النوع", "Type"),
    "school": ("المؤسسة", "Établissement"),
    "symptom": ("العطل", "Symptôme"),
    "declared": ("تاريخ التصريح", "Déclarée le"),
    "send": ("تسجيل", "Enregistrer"),
    "saved": ("تم التسجيل", "Enregistré"),
    "refused": ("مرفوض", "Refusé"),
    "forbidden": ("غير مسموح", "Non autorisé"),
    "not_found": ("غير موجود", "Introuvable"),
    "download": ("تحميل التقارير", "Télécharger les rapports"),
    "upload": ("استلام تجهيزات (ملف)", "Réception de matériel (fichier)"),
    "assign": ("تخصيص عتاد لمؤسسة", "Affecter un matériel"),
    "visit": ("تسجيل زيارة", "Enregistrer une visite"),
    "declare": ("التصريح بعطل", "Déclarer une panne"),
    "propose": ("اقتراح تحويل", "Proposer un transfert"),
    "approve": ("الموافقة على تحويل", "Approuver un transfert"),
    "plan": ("برمجة تكوين", "Planifier une formation"),
    "attendance": ("تسجيل الحضور", "Saisir les présences"),
    "open": ("فتح", "Ouvrir"),
    "status": ("الحالة", "Statut"),
    "cycle": ("السلك", "Cycle"),
    "commune": ("الجماعة", "Commune"),
    "title_f": ("العنوان", "Titre"),
    "lang_other": ("Français", "العربية"),
    "progress": ("التقدم", "Progression"),
    "line": ("السطر", "Ligne"),
    "open_transfers": ("التحويلات في انتظار القرار", "Transferts en attente"),
    "trainings_year": ("تكوينات السنة", "Formations de l'année"),
}
FIELD_LABELS = {
    "school_code": ("رمز المؤسسة", "Code établissement"), "asset_id": ("رقم العتاد", "Identifiant du matériel"),
    "symptom": ("وصف العطل", "Description de la panne"), "supplier": ("المورد", "Fournisseur"),
    "delivery_ref": ("مرجع وصل التسليم", "Référence du bon de livraison"), "file": ("الملف", "Fichier"),
    "status": ("الحالة", "État"), "notes": ("ملاحظات", "Remarques"),
    "asset_ids": ("أرقام العتاد (مفصولة بفواصل)", "Identifiants (séparés par des virgules)"),
    "from_school": ("من مؤسسة", "De l'établissement"), "to_school": ("إلى مؤسسة", "Vers l'établissement"),
    "reason": ("السبب", "Motif"), "report": ("التقرير", "Rapport"), "transfer_id": ("رقم التحويل", "N° du transfert"),
    "title": ("العنوان", "Intitulé"), "modality": ("الصيغة", "Modalité"), "audience": ("الفئة", "Public"),
    "planned_participants": ("عدد المشاركين المتوقع", "Participants prévus"),
    "school_year": ("السنة الدراسية", "Année scolaire"), "session_id": ("رقم الحصة", "N° de session"),
    "day": ("اليوم", "Jour"), "staff_id": ("رقم المستفيد", "Matricule"),
    "scope": ("النطاق", "Périmètre"), "period": ("الفترة", "Période"), "format": ("الصيغة", "Format"),
}
ROLE_NAMES = {
    "coordinator": ("المنسق الإقليمي", "Coordinateur provincial"),
    "infrastructure": ("محور البنية التحتية", "Axe infrastructure"),
    "resources": ("محور الموارد الرقمية", "Axe ressources"),
    "training": ("محور التكوين", "Axe formation"), "school_director": ("مدير المؤسسة", "Directeur d'établissement"),
    "technician": ("تقني", "Technicien"), "viewer": ("اطلاع", "Consultation"),
}


def t(key, lang):
    pair = T.get(key) or FIELD_LABELS.get(key) or (key, key)
    return pair[0] if lang == "ar" else pair[1]


def semesters(year: str, today: date | None = None) -> list[str]:
    """The semesters of the previous school year and of `year` that have begun by today."""
    start, today = int(year[:4]), today or date.today()
    found = []
    for first in (start - 1, start):
        for name, begins in (("S1", date(first, 9, 1)), ("S2", date(first + 1, 2, 1))):
            if begins <= today:
                found.append(f"{first}-{first + 1}-{name}")
    return found


def sparkline(values: list, labels: list[str]) -> str:
    """A small bar chart as inline SVG; no script, no library."""
    nums = [v for v in values if isinstance(v, (int, float))]
    top = max(nums) if nums and max(nums) > 0 else 1
    width, height, bar = 120, 36, 24
    parts = [f'<svg class="spark" role="img" viewBox="0 0 {width} {height + 2}" width="{width}" height="{height + 2}">']
    for i, (value, label) in enumerate(zip(values, labels)):
        h = 0 if not isinstance(value, (int, float)) else max(1, round(value / top * height))
        x = i * (bar + 6)
        shown = "—" if value is None else value
        parts.append(f'<rect x="{x}" y="{height - h}" width="{bar}" height="{h}" rx="2">'
                     f'<title>{escape(label)}: {escape(str(shown))}</title></rect>')
    parts.append(f'<line x1="0" y1="{height + 1}" x2="{width}" y2="{height + 1}" class="axis"/></svg>')
    return "".join(parts)


CSS = """
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,"Noto Naskh Arabic","Segoe UI",sans-serif;
color:#1d2630;background:#f4f6f8}header{background:#0b5d3b;color:#fff;padding:.6rem 1rem;display:flex;
flex-wrap:wrap;gap:.8rem;align-items:center}header a{color:#fff;text-decoration:none}header .brand{font-weight:700;
margin-inline-end:auto}main{padding:1rem;max-width:1100px;margin:auto}section{background:#fff;border-radius:8px;
padding:1rem;margin-bottom:1rem;box-shadow:0 1px 2px #0002}table{border-collapse:collapse;width:100%}
td,th{padding:.35rem .5rem;border-bottom:1px solid #e3e7ea;text-align:start;vertical-align:middle;
overflow-wrap:break-word}
.spark rect{fill:#0b7a4f}.spark .axis{stroke:#999}.grid{display:grid;gap:1rem;
grid-template-columns:repeat(auto-fit,minmax(min(100%,460px),1fr))}form.cmd label{display:block;margin:.4rem 0 .1rem}
input,select,textarea,button{font:inherit;padding:.4rem;max-width:100%}input,select,textarea{width:100%}
button{background:#0b5d3b;color:#fff;border:0;border-radius:4px;padding:.5rem 1rem;margin-top:.6rem}
.err{color:#b00020;font-size:.9em}.ok{color:#0b5d3b}[aria-invalid=true]{border:2px solid #b00020}
.value{font-weight:700;font-size:1.1em}.muted{color:#667}progress{width:100%}
@media(max-width:600px){main{padding:.5rem}td,th{padding:.25rem;font-size:.92em}.hide-sm{display:none}}
"""

JS = r"""
const lang = document.documentElement.lang;
function fieldsOf(form) {
  const body = {};
  for (const el of form.elements) {
    if (!el.name || el.type === 'submit' || el.type === 'file') continue;
    let v = el.value.trim();
    if (v === '' && !el.required) continue;
    if (el.dataset.type === 'int') v = Number.isNaN(parseInt(v, 10)) ? v : parseInt(v, 10);
    if (el.dataset.type === 'list') v = v.split(',').map(s => s.trim()).filter(Boolean);
    if (el.dataset.nest) { body[el.dataset.nest] = body[el.dataset.nest] || [{}];
                           body[el.dataset.nest][0][el.name] = v; }
    else body[el.name] = v;
  }
  return body;
}
function flatten(errors, prefix, out) {
  for (const [k, v] of Object.entries(errors || {})) {
    const key = prefix ? prefix + '.' + k : k;
    if (Array.isArray(v) && v.every(x => typeof x === 'string')) out.push([key, v.join(' ')]);
    else if (typeof v === 'object') flatten(v, key, out); else out.push([key, String(v)]);
  }
  return out;
}
function show(form, status, answer) {
  const box = form.querySelector('.result');
  for (const el of form.elements) el.removeAttribute('aria-invalid');
  box.replaceChildren();
  if (status >= 200 && status < 300) {
    box.className = 'result ok';
    const types = (answer.events || []).map(e => e.event_type).join(', ');
    const summary = answer.result && answer.result.received !== undefined ? String(answer.result.received) : '';
    box.textContent = form.dataset.saved + (types ? ' — ' + types : '') + (summary ? ' — ' + summary : '');
    form.dispatchEvent(new CustomEvent('saved', {detail: answer}));
    return;
  }
  box.className = 'result err';
  const head = document.createElement('p');
  head.textContent = (answer.title || status) + (answer.detail ? ': ' + answer.detail : '');
  box.append(head);
  const list = document.createElement('ul');
  for (const [field, message] of flatten(answer.errors, '', [])) {
    const root = field.split('.')[0];
    const input = form.elements[root] || form.querySelector('[data-nest="' + root + '"]');
    if (input && input.setAttribute) input.setAttribute('aria-invalid', 'true');
    const li = document.createElement('li');
    const line = field.match(/^lines\.(\d+)\.?(.*)$/);  // an imported file's errors, line by line
    li.textContent = line ? form.dataset.line + ' ' + line[1] + (line[2] ? ' — ' + line[2] : '') + ': ' + message
                          : field + ': ' + message;
    if (line) li.dataset.line = line[1];
    list.append(li);
  }
  box.append(list);
}
const keys = new WeakMap();
function newKey() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), b => b.toString(16).padStart(2, '0')).join('');
}
function send(form, body) {
  return new Promise(resolve => {
    const xhr = new XMLHttpRequest();
    const bar = form.querySelector('progress');
    xhr.open('POST', '/api/' + form.dataset.command);
    xhr.setRequestHeader('Content-Type', 'application/json');
    xhr.setRequestHeader('X-Genie-Form', '1');
    // One key per content sent: a retry after a lost answer is recognised, not recorded twice.
    const text = JSON.stringify(body);
    if (!keys.has(form) || keys.get(form).text !== text) keys.set(form, {key: newKey(), text});
    xhr.setRequestHeader('Idempotency-Key', keys.get(form).key);
    if (bar) { bar.hidden = false; bar.value = 0;
      xhr.upload.onprogress = e => { if (e.lengthComputable) bar.value = e.loaded / e.total * 100; }; }
    xhr.onload = () => { if (bar) bar.value = 100;
      if (xhr.status < 500) keys.delete(form);
      let answer = {}; try { answer = JSON.parse(xhr.responseText); } catch (e) {}
      show(form, xhr.status, answer); resolve(); };
    xhr.onerror = () => { show(form, 0, {title: 'network'}); resolve(); };
    xhr.send(text);
  });
}
document.querySelectorAll('[data-fill]').forEach(b => b.addEventListener('click', () => {
  const [form, field] = b.dataset.fill.split(':');
  const input = document.querySelector('#form-' + form + ' [name=' + field + ']');
  input.value = b.dataset.value; input.focus();
}));
document.querySelectorAll('form.cmd').forEach(form => form.addEventListener('submit', async ev => {
  ev.preventDefault();
  const body = fieldsOf(form);
  const file = form.querySelector('input[type=file]');
  if (file && file.files.length) {
    const f = file.files[0];
    body.format = f.name.toLowerCase().endsWith('.xlsx') ? 'xlsx' : 'csv';
    const bytes = new Uint8Array(await f.arrayBuffer());
    let bin = '';
    for (let i = 0; i < bytes.length; i += 32768) bin += String.fromCharCode(...bytes.subarray(i, i + 32768));
    body.content_base64 = btoa(bin);
  }
  send(form, body);
}));
"""


class Web:
    def __init__(self, api):
        self.api = api

    def handle(self, request: Request) -> Response:
        lang = request.args.get("lang") if request.args.get("lang") in LANGS else None
        lang = lang or (request.cookies.get("lang") if request.cookies.get("lang") in LANGS else "ar")
        path = request.path.rstrip("/") or "/"
        try:
            if path == "/login":
                return self.login(request, lang)
            if path == "/logout":
                resp = redirect("/login")
                resp.delete_cookie(COOKIE, path="/")
                return resp
            if path.startswith("/lang/") and path[6:] in LANGS:
                resp = redirect(_safe_next(request.args.get("next")))
                resp.set_cookie("lang", path[6:], max_age=365 * 86400, samesite="Lax", path="/",
                                secure=secure_cookies())
                return resp
            if path == "/app.js":
                return Response(JS, mimetype="text/javascript")
            user = self.api.identify(request)
            if user is None:
                return redirect("/login?next=" + quote(request.full_path.rstrip("?")))
            if request.method != "GET":
                return self.page(request, user, lang, t("not_found", lang), "", 405)
            if path == "/":
                return self.dashboard(request, user, lang)
            if path == "/schools":
                return self.schools(request, user, lang)
            if path.startswith("/schools/"):
                return self.school(request, user, lang, path[len("/schools/"):])
            if path == "/assets":
                return self.assets(request, user, lang)
            if path == "/work":
                return self.work(request, user, lang)
            return self.page(request, user, lang, t("not_found", lang), f"<p>{t('not_found', lang)}</p>", 404)
        except Refused as exc:
            return self.page(request, user, lang, t("forbidden", lang),
                             f'<p class="err">{escape(exc.message)}</p>', 403)
        except HttpProblem as exc:
            body = f'<p class="err">{escape(exc.title)}: {escape(exc.detail)}</p>'
            return self.page(request, user, lang, exc.title, body, exc.status)
        except Exception as exc:
            return failure(exc)

    # ---- layout

    def page(self, request, user, lang, title, body, status=200) -> Response:
        other = "fr" if lang == "ar" else "ar"
        here = quote(request.full_path.rstrip("?"))
        nav = ""
        if user:
            nav = (f'<a href="/">{t("dashboard", lang)}</a><a href="/schools">{t("schools", lang)}</a>'
                   f'<a href="/assets">{t("assets", lang)}</a>'
                   + (f'<a href="/work">{t("work", lang)}</a>' if user["role"] != "viewer" else "")
                   + f'<span class="muted hide-sm">{escape(user["user"])} · '
                     f'{escape(t_role(user["role"], lang))}</span>'
                   f'<a href="/logout">{t("logout", lang)}</a>')
        html = (f'<!doctype html><html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}"><head>'
                f'<meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">'
                f'<title>{escape(title)} · {t("title", lang)}</title><style>{CSS}</style></head><body>'
                f'<header><a class="brand" href="/">{t("title", lang)}</a>{nav}'
                f'<a id="lang-switch" href="/lang/{other}?next={here}">{t("lang_other", lang)}</a></header>'
                f'<main><h1>{escape(title)}</h1>{body}</main><script src="/app.js" defer></script></body></html>')
        return Response(html, status=status, mimetype="text/html")

    # ---- pages

    @staticmethod
    def _pick_list(lang, title, rows, key, cols, form) -> str:
        """A short list whose ids fill a form's field when picked."""
        body = "".join(_pick_row(r, key, cols, form) for r in rows[:50]) if rows else ""
        table = f"<table><tbody>{body}</tbody></table>" if body else f'<p class="muted">{t("none", lang)}</p>'
        return f'<section id="{title}"><h2>{t(title, lang)}</h2>{table}</section>'

    def login(self, request, lang):
        error = ""
        if request.method == "POST":
            try:
                identity = self.api.sign_in(request.form.get("username", ""), request.form.get("password", ""),
                                            request.remote_addr)
            except HttpProblem as exc:  # throttled: the page says how long to wait
                resp = self.page(request, None, lang, t("login", lang),
                                 f'<p class="err" role="alert">{escape(exc.title)}: {escape(exc.detail)}</p>',
                                 exc.status)
                resp.headers.update(exc.headers)
                return resp
            if identity:
                token, expires = issue_token(identity, self.api.key)
                resp = redirect(_safe_next(request.args.get("next")))
                resp.set_cookie(COOKIE, token, httponly=True, samesite="Lax", path="/", secure=secure_cookies(),
                                expires=datetime.fromtimestamp(expires, timezone.utc))
                return resp
            error = f'<p class="err" role="alert">{t("bad_login", lang)}</p>'
        body = (f'<section>{error}<form method="post" class="login">'
                f'<label for="u">{t("username", lang)}</label><input id="u" name="username" required '
                f'autocomplete="username"><label for="p">{t("password", lang)}</label>'
                f'<input id="p" name="password" type="password" required autocomplete="current-password">'
                f'<button type="submit">{t("login", lang)}</button></form></section>')
        return self.page(request, None, lang, t("login", lang), body, 401 if error else 200)

    def _default_scope(self, user):
        scope = user["scope"]
        return scope if scope.split(":")[0] in ("school", "region", "all") else f"province:{province_code()}"

    def dashboard(self, request, user, lang):
        scope = request.args.get("scope") or self._default_scope(user)
        year = request.args.get("period") or current_school_year()
        params = self.api.query_params("indicators", {"scope": scope, "period": year})
        now = self.api.indicators(user, params)
        trend_periods = semesters(year[:9])
        trends = {p: {i["id"]: i for i in self.api.indicators(user, {"scope": scope, "period": p})["indicators"]}
                  for p in trend_periods}
        by_id = {i["id"]: i for i in now["indicators"]}
        sections = []
        for axis, names in AXES.items():
            rows = []
            for ind_id, declared in REGISTRY.items():
                if declared.axis != axis or ind_id not in by_id:
                    continue
                label = (declared.label["ar"], declared.label["fr"])
                item = by_id[ind_id]
                value = item.get("value")
                shown = "—" if value is None else escape(str(value))
                series = [trends[p].get(ind_id, {}).get("value") for p in trend_periods]
                rows.append(f'<tr data-indicator="{ind_id}"><td>{ind_id}</td>'
                            f'<td>{escape(label[0] if lang == "ar" else label[1])}</td>'
                            f'<td class="value">{shown}</td><td>{sparkline(series, trend_periods)}</td></tr>')
            sections.append(f'<section><h2>{names[lang]}</h2><table><thead><tr><th></th>'
                            f'<th>{t("indicator", lang)}</th><th>{t("value", lang)}</th>'
                            f'<th>{t("trend", lang)}<br><small class="muted">{" · ".join(trend_periods)}</small>'
                            f'</th></tr></thead><tbody>{"".join(rows)}</tbody></table></section>')
        head = (f'<form method="get" class="filters"><label>{t("scope", lang)} '
                f'<input name="scope" value="{escape(scope)}"></label> <label>{t("period", lang)} '
                f'<input name="period" value="{escape(year)}"></label> <button>{t("open", lang)}</button></form>'
                f'<p class="muted">{escape(now["as_of"])}</p>')
        return self.page(request, user, lang, t("dashboard", lang), head + '<div class="grid">'
                         + "".join(sections) + "</div>")

    def schools(self, request, user, lang):
        rows = self.api.rpc("inventory", "schools")
        kind, _, code = user["scope"].partition(":")
        if kind == "school":
            rows = [r for r in rows if r.get("school_code") == code]
        elif kind == "region":
            rows = [r for r in rows if r.get("region_code") == code]
        name = "name_ar" if lang == "ar" else "name_fr"
        body = "".join(f'<tr><td><a href="/schools/{quote(r["school_code"])}">{escape(r["school_code"])}</a></td>'
                       f'<td>{escape(str(r.get(name, "")))}</td><td>{escape(str(r.get("commune", "")))}</td></tr>'
                       for r in rows)
        return self.page(request, user, lang, t("schools", lang),
                         f'<section><table><tbody>{body or t("none", lang)}</tbody></table></section>')

    def school(self, request, user, lang, code):
        data = self.api.school_page(user, code)
        school = data["school"]
        name = school.get("name_ar" if lang == "ar" else "name_fr") or code

        def table(rows, cols, empty_key="none"):
            if not rows:
                return f'<p class="muted">{t(empty_key, lang)}</p>'
            head = "".join(f"<th>{t(c, lang)}</th>" for c, _ in cols)
            body = "".join("<tr>" + "".join(f"<td>{cell(r, key)}</td>" for _, key in cols) + "</tr>" for r in rows)
            return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

        def cell(row, key):
            value = row.get(key, "") if isinstance(row, dict) else ""
            if key.endswith("_at") and isinstance(value, str):
                value = value[:10]  # the day is what a reader needs
            if key == "serial" and value:
                return f'<a href="/assets?serial={quote(str(value))}">{escape(str(value))}</a>'
            return escape("" if value is None else str(value))

        serial_of = {a.get("asset_id"): a.get("serial") for a in data["equipment"] if isinstance(a, dict)}
        faults = [dict(f, serial=serial_of.get(f.get("asset_id")) or f.get("asset_id")) for f in data["faults"]]
        indicators = {i["id"]: i for i in data["indicators"]["indicators"]}
        trained = indicators.get("TRN03", {}).get("value")
        certified = indicators.get("TRN06", {}).get("value")
        body = (f'<p>{escape(code)} · {escape(str(school.get("commune", "")))} · '
                f'{escape(str(school.get("cycle", "")))}</p>'
                f'<section id="equipment"><h2>{t("equipment", lang)} ({len(data["equipment"])})</h2>'
                + table(data["equipment"], [("serial", "serial"), ("kind", "kind")])
                + f'</section><section id="faults"><h2>{t("faults", lang)} ({len(data["faults"])})</h2>'
                + table(faults, [("serial", "serial"), ("symptom", "symptom"),
                                         ("declared", "declared_at")])
                + f'</section><section id="resources"><h2>{t("resources", lang)}</h2>'
                + table(_as_list(data["resources"]), [("title_f", "title"), ("status", "uses")])
                + f'</section><section id="visits"><h2>{t("visits", lang)}</h2>'
                + table(_as_list(data["visits"]), [("visits", "visit_id"), ("declared", "occurred_at")])
                + f'</section><section id="trainings"><h2>{t("trainings", lang)}</h2>'
                  f'<p>TRN03: {escape(str(trained))} · TRN06: {escape(str(certified))}</p></section>')
        return self.page(request, user, lang, name, body)

    def assets(self, request, user, lang):
        serial = request.args.get("serial", "").strip()
        found = ""
        if serial:
            try:
                asset = self.api.asset(user, self.api.query_params("asset", {"serial": serial}))
            except HttpProblem as exc:
                found = f'<p class="err">{escape(exc.detail or exc.title)}</p>'
            else:
                events = asset.get("timeline") or []
                described = asset.get("asset") or {}
                items = "".join(
                    f'<li><time>{escape(str(e.get("occurred_at", ""))[:10])}</time> '
                    f'<b>{escape(str(e.get("event_type", e.get("what", ""))))}</b> '
                    f'{escape(_brief(e.get("data", e)))}</li>' for e in events)
                faults = "".join(f'<li>{escape(str(f.get("symptom", "")))} · {escape(str(f.get("status", "")))}</li>'
                                 for f in asset.get("faults") or [])
                found = (f'<section id="asset"><h2>{escape(serial)} · {escape(str(described.get("kind", "")))}</h2>'
                         f'<p>{t("school", lang)}: {escape(str(described.get("school_code") or "—"))}</p>'
                         f'<h3>{t("timeline", lang)}</h3><ol class="timeline">{items}</ol>'
                         f'<h3>{t("faults", lang)}</h3><ul>{faults or t("none", lang)}</ul></section>')
        body = (f'<section><form method="get"><label for="serial">{t("serial", lang)}</label>'
                f'<input id="serial" name="serial" value="{escape(serial)}" required>'
                f'<button>{t("search", lang)}</button></form></section>{found}')
        return self.page(request, user, lang, t("assets", lang), body)

    def work(self, request, user, lang):
        year = current_school_year()
        own = user["scope"].partition(":")[2] if user["scope"].startswith("school:") else ""
        forms = [
            ("upload", "inventory/import_delivery", [("supplier", "text", {}), ("delivery_ref", "text", {}),
                                                     ("file", "file", {})]),
            ("assign", "inventory/assign_equipment", [("asset_id", "text", {}), ("school_code", "text", {})]),
            ("visit", "inventory/record_usage_visit", [
                ("school_code", "text", {}), ("asset_id", "text", {"nest": "observations"}),
                ("status", ["in_use", "unused", "broken", "missing"], {"nest": "observations"}),
                ("notes", "text", {"optional": True})]),
            ("declare", "maintenance/declare_fault", [("school_code", "text", {"value": own}),
                                                      ("asset_id", "text", {}), ("symptom", "textarea", {})]),
            ("propose", "inventory/propose_transfer", [
                ("asset_ids", "text", {"type": "list"}), ("from_school", "text", {}), ("to_school", "text", {}),
                ("reason", "text", {}), ("report", "textarea", {})]),
            ("approve", "inventory/approve_transfer", [("transfer_id", "text", {})]),
            ("plan", "training/plan_training", [
                ("title", "text", {}), ("modality", ["in_person", "remote", "certifying"], {}),
                ("audience", ["teachers", "directors", "inspectors", "trainers", "other"], {}),
                ("planned_participants", "number", {"type": "int"}), ("school_year", "text", {"value": year})]),
            ("attendance", "training/record_attendance", [
                ("session_id", "text", {}), ("day", "date", {}), ("staff_id", "text", {"nest": "attendance"}),
                ("status", ["present", "absent", "excused"], {"nest": "attendance"})]),
        ]
        html = []
        for key, command, fields_ in forms:
            route = COMMAND_BY_PATH[tuple(command.split("/"))]
            if not can_run(user["role"], route.roles):
                continue
            inputs = []
            for name, kind, opts in fields_:
                fid = f"{key}-{name}"
                attrs = f'id="{fid}" name="{name}"' + ("" if opts.get("optional") else " required")
                attrs += f' data-type="{opts["type"]}"' if "type" in opts else ""
                attrs += f' data-nest="{opts["nest"]}"' if "nest" in opts else ""
                if isinstance(kind, list):
                    control = f"<select {attrs}>" + "".join(f"<option>{k}</option>" for k in kind) + "</select>"
                elif kind == "textarea":
                    control = f"<textarea {attrs} rows=3></textarea>"
                elif kind == "file":
                    control = (f'<input {attrs} type="file" accept=".csv,.xlsx">'
                               f'<progress max="100" value="0" hidden aria-label="{t("progress", lang)}"></progress>')
                else:
                    value = f' value="{escape(opts["value"])}"' if opts.get("value") else ""
                    control = f'<input {attrs} type="{kind}"{value}>'
                inputs.append(f'<label for="{fid}">{t(name, lang)}</label>{control}')
            html.append(f'<section><h2>{t(key, lang)}</h2><form class="cmd" id="form-{key}" '
                        f'data-command="{command}" data-saved="{t("saved", lang)}" data-line="{t("line", lang)}">'
                        f'{"".join(inputs)}'
                        f'<button type="submit">{t("send", lang)}</button>'
                        f'<div class="result" role="status" aria-live="polite"></div></form></section>')
        if can_run(user["role"], COMMAND_BY_PATH[("inventory", "approve_transfer")].roles):
            html.append(self._pick_list(lang, "open_transfers", self.api.rpc("inventory", "open_transfers", None),
                                        "transfer_id", ("from_school", "to_school", "reason"), "approve"))
        if can_run(user["role"], COMMAND_BY_PATH[("training", "record_attendance")].roles):
            html.append(self._pick_list(lang, "trainings_year", self.api.rpc("training", "trainings", year),
                                        "training_id", ("title", "modality", "planned_participants"), None))
        scope = self._default_scope(user)
        links = "".join(f'<li><a href="/api/reports/download?scope={quote(scope)}&period={p}&format={f}">'
                        f'<bdi dir="ltr">{p} · {f.upper()}</bdi></a></li>' for p in (year, f"{year}-S1", f"{year}-S2")
                        for f in ("xlsx", "csv"))
        html.append(f'<section><h2>{t("download", lang)}</h2><ul>{links}</ul></section>')
        return self.page(request, user, lang, t("work", lang), '<div class="grid">' + "".join(html) + "</div>")


def _pick_row(row, key, cols, form):
    cells = "".join(f"<td>{escape(str(row.get(c, '')))}</td>" for c in cols)
    pick = (f'<button type="button" data-fill="{form}:{key}" data-value="{escape(str(row[key]))}">'
            f'{escape(str(row[key]))}</button>' if form else f"<code>{escape(str(row[key]))}</code>")
    return f"<tr><td>{pick}</td>{cells}</tr>"


def t_role(role, lang):
    pair = ROLE_NAMES.get(role, (role, role))
    return pair[0] if lang == "ar" else pair[1]


def _as_list(value):
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        for key in ("resources", "visits", "items"):
            if isinstance(value.get(key), list):
                return value[key]
    return []


def _brief(data) -> str:
    if not isinstance(data, dict):
        return ""
    keep = ("school_code", "to_school", "from_school", "symptom", "reason", "resolution", "serial", "supplier")
    return " · ".join(f"{k}: {data[k]}" for k in keep if data.get(k))


def _safe_next(target) -> str:
    """Only a path of this site, else `/`: never an open redirect.

    Browsers read `\\` as `/` and drop tabs and line breaks, so `/\\evil`, `/\t/evil` or `/%09/evil`
    would leave the site; a decoded form that names a scheme or a host is refused as well."""
    if not isinstance(target, str) or not _same_site_path(target) or not _same_site_path(unquote(target)):
        return "/"
    return target


def _same_site_path(path: str) -> bool:
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return False
    if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in path):
        return False
    parts = urlsplit(path)
    return not parts.scheme and not parts.netloc


def secure_cookies() -> bool:
    """GATEWAY_HTTPS=1 when the gateway is served over HTTPS (behind a proxy): cookies then travel only so."""
    return os.environ.get("GATEWAY_HTTPS", "").lower() in ("1", "true", "yes")


def redirect(location: str) -> Response:
    return Response("", status=303, headers={"Location": location})

