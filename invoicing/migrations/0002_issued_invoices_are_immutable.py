"""The database refuses to change or delete an issued invoice or anything that belongs to it.

The model refuses too (invoicing.models), but raw SQL, bulk updates and other programs only meet the database.
An invoice row may change only while it is a draft (issuing is that last change); an issued row cannot be
updated or deleted, nor can a row issued directly on INSERT (numbers come only from invoice_issue). Lines,
VAT breakdown rows and order links cannot be inserted, updated or deleted once their invoice is issued.
TRUNCATE (used by test teardown) does not fire row triggers. SQLSTATE 23001 (restrict_violation) reaches
Django as an IntegrityError.
"""

from django.db import migrations

INVOICE_GUARD = """
CREATE OR REPLACE FUNCTION invoicing_invoice_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status = 'issued' THEN
            RAISE EXCEPTION 'invoice % must be created as a draft and issued by invoice_issue', NEW.id
                USING ERRCODE = '23001';
        END IF;
        RETURN NEW;
    END IF;
    IF OLD.status = 'issued' THEN
        RAISE EXCEPTION 'invoice % (%) is issued: it cannot be %d', OLD.id, OLD.number, lower(TG_OP)
            USING ERRCODE = '23001';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER invoicing_invoice_immutable
    BEFORE INSERT OR UPDATE OR DELETE ON invoicing_invoice
    FOR EACH ROW EXECUTE FUNCTION invoicing_invoice_guard();

CREATE OR REPLACE FUNCTION invoicing_invoice_part_guard() RETURNS trigger AS $$
DECLARE
    parent_id bigint;
BEGIN
    FOREACH parent_id IN ARRAY ARRAY[
        CASE WHEN TG_OP <> 'INSERT' THEN OLD.invoice_id END,
        CASE WHEN TG_OP <> 'DELETE' THEN NEW.invoice_id END
    ] LOOP
        IF parent_id IS NOT NULL AND EXISTS (
                SELECT 1 FROM invoicing_invoice WHERE id = parent_id AND status = 'issued') THEN
            RAISE EXCEPTION 'invoice % is issued: its % rows cannot change', parent_id, TG_TABLE_NAME
                USING ERRCODE = '23001';
        END IF;
    END LOOP;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

PART_TABLES = ("invoicing_invoiceline", "invoicing_invoicevatbreakdown", "invoicing_invoiceorder")

FORWARD = INVOICE_GUARD + "".join(
    f"""
CREATE TRIGGER {table}_immutable
    BEFORE INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION invoicing_invoice_part_guard();
"""
    for table in PART_TABLES
)

BACKWARD = "".join(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table};\n" for table in PART_TABLES) + """
DROP TRIGGER IF EXISTS invoicing_invoice_immutable ON invoicing_invoice;
DROP FUNCTION IF EXISTS invoicing_invoice_part_guard();
DROP FUNCTION IF EXISTS invoicing_invoice_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("invoicing", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
