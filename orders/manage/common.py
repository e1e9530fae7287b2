"""Small helpers shared by the management views."""

from django.core.exceptions import ValidationError
from django.shortcuts import render


def add_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: per field where the form has it, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def render_form_page(request, template: str, context: dict):
    """400 when any form in the context has errors (the house rule for bad input), else 200."""
    has_errors = any(getattr(value, "errors", None) for value in context.values() if hasattr(value, "is_bound"))
    return render(request, template, context, status=400 if has_errors else 200)
