"""URLs of the web app: the sites' links under ``/r/``, the coordinators' pages under ``/p/``."""

from __future__ import annotations

from django.urls import include, path

from klappt.web.views import (
    account,
    auth,
    codebook_add,
    coding,
    coordinator,
    drafts,
    respondent,
    results,
    returns_admin,
    site_reports,
    sites,
    trends,
)
from klappt.web.views import mail as mail_views

web_patterns = [
    path("", coordinator.home, name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    # passwords: one's own, and an administrator's reset of another's (issue 16)
    path("account/password/", account.PasswordChange.as_view(), name="password_change"),
    path("account/reset/", account.reset_other, name="password_reset_other"),
    path("programs/new/", coordinator.program_new, name="program_new"),
    path("p/<slug:slug>/", coordinator.program, name="program"),
    path("p/<slug:slug>/sites/", sites.sites, name="sites"),
    # the program's trends over its waves and the mappings between them (issue 19)
    path("p/<slug:slug>/zeitreihe/", trends.trends, name="trends"),
    path(
        "p/<slug:slug>/zeitreihe/zuordnung/",
        trends.trends_mapping_upload,
        name="trends_mapping_upload",
    ),
    path(
        "p/<slug:slug>/zeitreihe/zuordnung/<int:source_id>-<int:target_id>.<str:ext>",
        trends.trends_mapping,
        name="trends_mapping",
    ),
    path("p/<slug:slug>/sites/upload/", sites.register_upload, name="register_upload"),
    path("p/<slug:slug>/sites/links.csv", sites.links_csv, name="links_csv"),
    path("p/<slug:slug>/sites/links/", sites.links_issue_all, name="links_issue_all"),
    path("p/<slug:slug>/sites/<int:site_pk>/", sites.site_edit, name="site_edit"),
    path("p/<slug:slug>/sites/<int:site_pk>/reissue/", sites.site_reissue, name="site_reissue"),
    path("p/<slug:slug>/sites/<int:site_pk>/revoke/", sites.site_revoke, name="site_revoke"),
    path("p/<slug:slug>/sites/<int:site_pk>/expiry/", sites.site_expiry, name="site_expiry"),
    path("p/<slug:slug>/members/", sites.members, name="members"),
    path("p/<slug:slug>/waves/new/", coordinator.wave_new, name="wave_new"),
    # e-mail to the sites (issue 16)
    path("p/<slug:slug>/mail/templates/", mail_views.templates, name="mail_templates"),
    path("p/<slug:slug>/w/<int:wave_id>/mail/", mail_views.wave_mail, name="wave_mail"),
    path("p/<slug:slug>/w/<int:wave_id>/", coordinator.dashboard, name="dashboard"),
    path(
        "p/<slug:slug>/w/<int:wave_id>/settings/", coordinator.wave_settings, name="wave_settings"
    ),
    path("p/<slug:slug>/w/<int:wave_id>/open/", coordinator.wave_open, name="wave_open"),
    path("p/<slug:slug>/w/<int:wave_id>/close/", coordinator.wave_close, name="wave_close"),
    path("p/<slug:slug>/w/<int:wave_id>/preview/", coordinator.preview, name="preview"),
    path("p/<slug:slug>/w/<int:wave_id>/reminders.csv", sites.reminders_csv, name="reminders_csv"),
    path("p/<slug:slug>/w/<int:wave_id>/data.csv", results.data_csv, name="data_csv"),
    path("p/<slug:slug>/w/<int:wave_id>/data.xlsx", results.data_xlsx, name="data_xlsx"),
    path(
        "p/<slug:slug>/w/<int:wave_id>/data/<str:repeat>.csv",
        results.repeat_csv,
        name="repeat_csv",
    ),
    path("p/<slug:slug>/w/<int:wave_id>/results/", results.results, name="results"),
    path("p/<slug:slug>/w/<int:wave_id>/report.<str:fmt>", results.report, name="report"),
    path(
        "p/<slug:slug>/w/<int:wave_id>/sites/<int:site_pk>/",
        results.site_return,
        name="site_return",
    ),
    # the coordinator manages the returns (issue 16)
    path(
        "p/<slug:slug>/w/<int:wave_id>/sites/<int:site_pk>/history/",
        returns_admin.history,
        name="return_history",
    ),
    path(
        "p/<slug:slug>/w/<int:wave_id>/sites/<int:site_pk>/correct/",
        returns_admin.correct,
        name="return_correct",
    ),
    path(
        "p/<slug:slug>/w/<int:wave_id>/sites/<int:site_pk>/reopen/",
        returns_admin.reopen,
        name="return_reopen",
    ),
    path("p/<slug:slug>/w/<int:wave_id>/form/", returns_admin.replace_form, name="replace_form"),
    path("p/<slug:slug>/w/<int:wave_id>/recipe/", returns_admin.recipe, name="wave_recipe"),
    # coding open answers (issue 5)
    path("p/<slug:slug>/w/<int:wave_id>/coding/", coding.overview, name="coding"),
    path(
        "p/<slug:slug>/w/<int:wave_id>/codebooks/", coding.codebook_upload, name="coding_codebook"
    ),
    path(
        "p/<slug:slug>/w/<int:wave_id>/coding/<str:question>/", coding.screen, name="coding_screen"
    ),
    path(
        "p/<slug:slug>/w/<int:wave_id>/coding/<str:question>/codes/",
        codebook_add.add_code,
        name="coding_add_code",
    ),
    path(
        "p/<slug:slug>/w/<int:wave_id>/coding/<str:question>/suggest/",
        coding.suggest,
        name="coding_suggest",
    ),
    path(
        "p/<slug:slug>/w/<int:wave_id>/coding/<str:question>/review/",
        coding.review,
        name="coding_review",
    ),
    path(
        "p/<slug:slug>/w/<int:wave_id>/coding/<str:question>/agreement/",
        coding.agreement_page,
        name="coding_agreement",
    ),
    # issue 18: the site reports, released by the coordinator, each site fetches its own
    path(
        "p/<slug:slug>/w/<int:wave_id>/site-reports/release/",
        site_reports.release,
        name="site_reports_release",
    ),
    path(
        "p/<slug:slug>/w/<int:wave_id>/site-reports/all.zip",
        site_reports.all_zip,
        name="site_reports_zip",
    ),
    path(
        "r/<str:token>/<int:wave_id>/bericht.<str:fmt>",
        site_reports.site_download,
        name="respond_site_report",
    ),
    path("r/<str:token>/", respondent.landing, name="respond"),
    path("r/<str:token>/<int:wave_id>/", respondent.fill, name="respond_wave"),
    path("r/<str:token>/<int:wave_id>/summary/", respondent.summary, name="respond_summary"),
    # issue 17 (never lose an answer): autosave and the review before submitting
    path("r/<str:token>/<int:wave_id>/autosave/", drafts.autosave, name="respond_autosave"),
    path("r/<str:token>/<int:wave_id>/review/", respondent.review, name="respond_review"),
]

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include((web_patterns, "klappt_web"))),
]

handler400 = "klappt.web.views.errors.bad_request"
handler403 = "klappt.web.views.errors.forbidden"
handler404 = "klappt.web.views.errors.not_found"
handler500 = "klappt.web.views.errors.server_error"
