"""Producer settlements (issue 11 item 6): models, computing, issuing, documents, contests, SEPA payments.

- compute.settlement_compute / settlements_preview: what a producer is owed for a period (nothing stored)
- issuing.settlement_issue / settlements_issue_period: store it once, with its legal document
- contests.line_contest / contest_resolve: a producer disputes a line; a fixer answers or corrects
- payments.payment_batch_for_period: one pain.001 paying the producers of a period
- documents: the PDF (WeasyPrint, producer's language) and the e-mail (once)
"""
