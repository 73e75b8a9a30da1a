"""The words for a case's kind of problem and the outcome the customer hopes for.

One place, so the complaint form, the status page, the emails, the case desk and the insights
page all call a category or an outcome the same thing, and everything that lists the categories
(intake, response-time policies, insights filters) lists the same ones. The keys are the form's
values; the texts are msgids, translated where shown.
"""

from __future__ import annotations

from portal.i18n import N_

CATEGORY_LABELS = {
    "product": N_("A product"),
    "service": N_("Service or delivery"),
    "billing": N_("Billing or a misunderstanding"),
    "other": N_("Something else"),
}
# Shown under each category on the complaint form.
CATEGORY_HINTS = {
    "product": N_("It arrived broken, does not work, or is not as described."),
    "service": N_("Late, lost or wrong delivery, or how we treated you."),
    "billing": N_("A wrong amount, a missing refund, or something we did not explain well."),
    "other": N_("Anything that does not fit above."),
}
OUTCOME_LABELS = {
    "refund": N_("A refund"),
    "replacement": N_("A replacement"),
    "repair": N_("A repair"),
    "explanation": N_("An explanation"),
    "other": N_("Something else"),
}

# The form's values, in the order they are offered.
CATEGORIES = tuple(CATEGORY_LABELS)
OUTCOMES = tuple(OUTCOME_LABELS)
