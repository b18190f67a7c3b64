"""Reply templates, for administrators: the list of templates with the languages each has
and lacks, adding a template (its first language), writing or changing one language's
text, and removing one language's text after a confirmation page.

A template's code is made from the title of its first text (shared/services/
reply_templates.py new_code): administrators never type one.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from backoffice.auth import acting_staff, requires
from backoffice.forms.reply_templates import (
    NewReplyTemplateForm,
    RemoveTextForm,
    ReplyTemplateForm,
)
from shared.i18n import autonym, text_direction
from shared.models import ReplyTemplate
from shared.permissions import Permission
from shared.services import reply_templates
from shared.services.reply_templates import (
    BODY_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    ReplyTemplateRefused,
)
from shared.web import db_session, unit_of_work

blueprint = Blueprint("reply_templates", __name__, url_prefix="/reply-templates")

SAVED = _l("The %(language)s text of “%(title)s” is saved.")
REMOVED = _l("The %(language)s text of “%(title)s” is removed.")
STALE = _l(
    "Someone else changed this text while you were editing it, so nothing was saved. "
    "Check it as it is now, then make your change again."
)
FIELD_ERRORS = {
    "no_title": ("title", _l("Enter a title")),
    "title_too_long": ("title", _l("Enter %(max)d characters or fewer", max=TITLE_MAX_LENGTH)),
    "title_braces": ("title", _l("A title cannot have placeholders or braces { }")),
    "empty": ("body", _l("Enter the text of the reply")),
    "too_long": ("body", _l("Enter %(max)d characters or fewer", max=BODY_MAX_LENGTH)),
    "stray_brace": (
        "body",
        _l("Use braces { } only around a placeholder: {reference}, {due_date} or {name}"),
    ),
    "unknown_locale": ("locale", _l("Select the language")),
}
UNKNOWN_PLACEHOLDER = _l(
    "There is no placeholder %(placeholders)s: use {reference}, {due_date} or {name}"
)


@blueprint.get("")
@requires(Permission.CONFIGURE)
def index() -> str:
    return render_template(
        "backoffice/reply_templates/index.html",
        groups=reply_templates.all_templates(db_session()),
        language=autonym,
    )


@blueprint.route("/new", methods=["GET", "POST"])
@requires(Permission.CONFIGURE)
def add() -> str | Response:
    form = NewReplyTemplateForm()
    form.locale.choices = [(loc, autonym(loc)) for loc in reply_templates.template_locales()]
    if form.validate_on_submit():
        try:
            with unit_of_work() as db:
                added = reply_templates.add_template(
                    db, locale=form.locale.data or "", title=form.title.data or "",
                    body=form.body.data or "", actor=acting_staff(),
                )  # fmt: skip
                title, locale = added.title, added.locale
        except ReplyTemplateRefused as refused:
            _show(form, refused)
        else:
            flash(str(SAVED % {"language": autonym(locale), "title": title}), "success")
            return redirect(url_for(".index"))
    return render_template("backoffice/reply_templates/new.html", form=form)


@blueprint.route("/<template_code>/<locale>", methods=["GET", "POST"])
@requires(Permission.CONFIGURE)
def edit(template_code: str, locale: str) -> str | Response:
    code = template_code
    existing, english_or_other = _text(code, locale)
    if request.method == "POST":
        form = ReplyTemplateForm()
    elif existing is not None:
        form = ReplyTemplateForm(data={"title": existing.title, "body": existing.body})
    else:
        form = ReplyTemplateForm(formdata=None)
    if request.method == "GET":
        form.expected_updated_at.data = _version(existing)
    if form.validate_on_submit():
        try:
            with unit_of_work() as db:
                saved = reply_templates.save_template(
                    db, code=code, locale=locale, title=form.title.data or "",
                    body=form.body.data or "", actor=acting_staff(),
                    expected_updated_at=form.expected_updated_at.data or "",
                )  # fmt: skip
                title = saved.title
        except ReplyTemplateRefused as refused:
            if refused.reason == "stale":
                flash(str(STALE), "info")
                # The page now edits the current version: saving again overwrites it
                # knowingly, with what was typed still in the form.
                form.expected_updated_at.data = _version(_text(code, locale)[0])
            else:
                _show(form, refused)
        else:
            flash(str(SAVED % {"language": autonym(locale), "title": title}), "success")
            return redirect(url_for(".index"))
    return render_template(
        "backoffice/reply_templates/edit.html",
        form=form,
        code=code,
        locale=locale,
        language=autonym(locale),
        existing=existing,
        other=english_or_other,
        other_language=autonym(english_or_other.locale),
        direction=text_direction(locale),
    )


@blueprint.route("/<template_code>/<locale>/remove", methods=["GET", "POST"])
@requires(Permission.CONFIGURE)
def remove(template_code: str, locale: str) -> str | Response:
    """Asks first; "Yes" removes the text, "No" goes back to it."""
    code = template_code
    existing, _other = _text(code, locale)
    if existing is None:
        abort(404)
    form = RemoveTextForm()
    if not form.validate_on_submit():
        return render_template("backoffice/reply_templates/remove.html", form=form,
                               template=existing, language=autonym(locale))  # fmt: skip
    if form.confirm.data != "yes":
        return redirect(url_for(".edit", template_code=code, locale=locale))
    title = existing.title
    try:
        with unit_of_work() as db:
            reply_templates.remove_template(db, code=code, locale=locale, actor=acting_staff())
    except ReplyTemplateRefused:  # removed by someone else meanwhile: the same outcome
        pass
    flash(str(REMOVED % {"language": autonym(locale), "title": title}), "success")
    return redirect(url_for(".index"))


def _text(code: str, locale: str) -> tuple[ReplyTemplate | None, ReplyTemplate]:
    """The text being edited (None: not written yet in that language) and one the
    template has (the English when there is one), to show alongside; 404 for a language
    the portal does not offer or a code with no text at all."""
    if locale not in reply_templates.template_locales():
        abort(404)
    group = reply_templates.texts_of(db_session(), code=code)
    if group is None:
        abort(404)
    existing = group.texts.get(locale)
    return existing, group.texts.get("en") or next(iter(group.texts.values()))


def _version(existing: ReplyTemplate | None) -> str:
    return existing.updated_at.isoformat() if existing is not None else ""


def _show(form: ReplyTemplateForm, refused: ReplyTemplateRefused) -> None:
    if refused.reason == "unknown_placeholder":
        named = ", ".join("{" + name + "}" for name in refused.placeholders)
        form.body.errors = [str(UNKNOWN_PLACEHOLDER % {"placeholders": named})]
        return
    name, message = FIELD_ERRORS.get(refused.reason, ("body", _l("Check the text")))
    getattr(form, name).errors = [str(message)]
