"""Invoicing services (writes). Import from the submodules:

- drafts.invoice_draft_for_orders, drafts.invoice_draft_delete
- issuing.invoice_issue
- credit_notes.credit_note_for
- documents.invoice_render_pdf
- invoicing.peppol.delivery.peppol_delivery_send
"""
