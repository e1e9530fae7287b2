"""Dutch and French for the invoicing app: source of invoicing/locale/*/LC_MESSAGES/django.po.

Invoices are legal documents that must be in Dutch in Flanders (Taaldecreet, invoicing.md section 4), so the
PDF's wording cannot wait for a project-wide translation round. Regenerate the catalogues with:
    cd invoicing && ln -s ../templates/invoicing _templates && \
      ../.venv/bin/python ../manage.py makemessages -l nl -l fr --symlinks --no-obsolete; rm _templates
    ../.venv/bin/python locale/translations.py   # fills msgstr from the table below and compiles .mo
The table holds the first invoice and credit-note wording only; later strings (billing runs, payments, reminders,
costs, settlements) are translated in the .po files themselves, which stay the source (tests/test_translations.py
checks that both catalogues are complete and agree with the project's). The project-wide makemessages runs with
--ignore=invoicing so that these messages live here only.
"""

T = {
    # documents
    "Invoice": ("Factuur", "Facture"),
    "Credit note": ("Creditnota", "Note de crédit"),
    "Self-billing invoice": ("Factuur (autofacturatie)", "Facture (autofacturation)"),
    "Purchase slip": ("Aankoopborderel", "Bordereau d'achat"),
    "Self-billing": ("Autofacturatie", "Autofacturation"),
    "DRAFT": ("ONTWERP", "PROJET"),
    "Invoice date": ("Factuurdatum", "Date de facture"),
    "Credit note date": ("Datum creditnota", "Date de la note de crédit"),
    "Due date": ("Vervaldatum", "Date d'échéance"),
    "Delivery date": ("Leveringsdatum", "Date de livraison"),
    "Your purchase order": ("Uw bestelbon", "Votre bon de commande"),
    "Your reference": ("Uw referentie", "Votre référence"),
    "Corrects invoice": ("Corrigeert factuur", "Corrige la facture"),
    "%(number)s of %(date)s": ("%(number)s van %(date)s", "%(number)s du %(date)s"),
    "Supplier": ("Leverancier", "Fournisseur"),
    "Customer": ("Klant", "Client"),
    "VAT number": ("Btw-nummer", "Numéro de TVA"),
    "Enterprise number": ("Ondernemingsnummer", "Numéro d'entreprise"),
    "Customer number": ("Klantnummer", "Numéro de client"),
    "Description": ("Omschrijving", "Description"),
    "Quantity": ("Hoeveelheid", "Quantité"),
    "Unit price excl. VAT": ("Eenheidsprijs excl. btw", "Prix unitaire hors TVA"),
    "VAT": ("Btw", "TVA"),
    "Amount excl. VAT": ("Bedrag excl. btw", "Montant hors TVA"),
    "Taxable amount at %(rate)s %%": ("Maatstaf van heffing %(rate)s %%", "Base d'imposition %(rate)s %%"),
    "Without VAT (%(category)s*)": ("Zonder btw (%(category)s*)", "Sans TVA (%(category)s*)"),
    "VAT %(rate)s %%": ("Btw %(rate)s %%", "TVA %(rate)s %%"),
    "Total excl. VAT": ("Totaal excl. btw", "Total hors TVA"),
    "Total VAT": ("Totaal btw", "Total TVA"),
    "Total incl. VAT": ("Totaal incl. btw", "Total TVA comprise"),
    "Rounding": ("Afronding", "Arrondi"),
    "Already paid": ("Reeds betaald", "Déjà payé"),
    "Amount due": ("Te betalen", "Montant à payer"),
    "Total credited": ("Totaal gecrediteerd", "Total crédité"),
    "Please pay € %(amount)s by %(due)s to the account below, with this structured communication:": (
        "Gelieve € %(amount)s te betalen vóór %(due)s op onderstaande rekening, met deze gestructureerde "
        "mededeling:",
        "Veuillez payer € %(amount)s avant le %(due)s sur le compte ci-dessous, avec cette communication "
        "structurée :"),
    "Structured communication": ("Gestructureerde mededeling", "Communication structurée"),
    "Scan the QR code with your banking app to pay.": (
        "Scan de QR-code met je bankapp om te betalen.", "Scannez le code QR avec votre app bancaire pour payer."),
    "Prices in the shop include VAT. Per EN 16931 this invoice shows the amounts excluding VAT and the VAT per "
    "rate; the total is what you were charged.": (
        "De prijzen in de webwinkel zijn inclusief btw. Volgens EN 16931 toont deze factuur de bedragen exclusief "
        "btw en de btw per tarief; het totaal is wat je werd aangerekend.",
        "Les prix de la boutique sont TVA comprise. Conformément à l'EN 16931, cette facture indique les montants "
        "hors TVA et la TVA par taux ; le total est le montant qui vous a été facturé."),
    "VAT to be repaid to the State insofar as it was originally deducted.": (
        "Btw terug te storten aan de Staat in de mate waarin ze oorspronkelijk in aftrek werd gebracht.",
        "TVA à reverser à l'État dans la mesure où elle a été initialement déduite."),
    "Deposit on returnable packaging, outside the taxable amount (art. 28, 6° VAT Code)": (
        "Statiegeld op terug te geven verpakking, niet in de maatstaf van heffing (art. 28, 6° W.btw)",
        "Consigne sur emballages à retourner, hors base d'imposition (art. 28, 6° C.TVA)"),
    "Order %(number)s, delivered %(date)s": ("Bestelling %(number)s, geleverd %(date)s",
                                             "Commande %(number)s, livrée le %(date)s"),
    "Deposit: %(product)s": ("Statiegeld: %(product)s", "Consigne : %(product)s"),
    "Returned: %(item)s": ("Teruggebracht: %(item)s", "Retourné : %(item)s"),
    "Home delivery": ("Thuislevering", "Livraison à domicile"),
    "Credit note for invoice %(number)s": ("Creditnota voor factuur %(number)s",
                                           "Note de crédit pour la facture %(number)s"),
    "Payment within %(days)s days, by %(date)s": ("Betaling binnen %(days)s dagen, uiterlijk %(date)s",
                                                  "Paiement dans les %(days)s jours, au plus tard le %(date)s"),
    "Paid": ("Betaald", "Payé"),
    "kg": ("kg", "kg"),
    "piece": ("stuk", "pièce"),
    "bunch": ("bussel", "botte"),
    "litre": ("liter", "litre"),
    "pack": ("pak", "paquet"),
    "jar": ("pot", "bocal"),
    "bottle": ("fles", "bouteille"),
    "dozen": ("dozijn", "douzaine"),
    # pages
    "Invoices": ("Facturen", "Factures"),
    "My invoices": ("Mijn facturen", "Mes factures"),
    "Invoices and credit notes of %(account)s.": ("Facturen en creditnota's van %(account)s.",
                                                  "Factures et notes de crédit de %(account)s."),
    "Number": ("Nummer", "Numéro"),
    "Kind": ("Soort", "Type"),
    "Date": ("Datum", "Date"),
    "Status": ("Status", "Statut"),
    "Download": ("Downloaden", "Télécharger"),
    "No invoices yet.": ("Nog geen facturen.", "Pas encore de factures."),
    "Previous": ("Vorige", "Précédent"),
    "Next": ("Volgende", "Suivant"),
    "Page %(n)s of %(total)s": ("Pagina %(n)s van %(total)s", "Page %(n)s sur %(total)s"),
    "Download PDF": ("PDF downloaden", "Télécharger le PDF"),
    "Preview PDF": ("Voorbeeld (PDF)", "Aperçu (PDF)"),
    "Peppol UBL (XML)": ("Peppol UBL (XML)", "Peppol UBL (XML)"),
    "Issue": ("Uitreiken", "Émettre"),
    "Delete draft": ("Ontwerp verwijderen", "Supprimer le projet"),
    "Credit note for the rest": ("Creditnota voor de rest", "Note de crédit pour le reste"),
    "Purchase order": ("Bestelbon", "Bon de commande"),
    "Buyer reference": ("Referentie klant", "Référence client"),
    "VAT %(category)s %(rate)s %% on € %(amount)s": ("Btw %(category)s %(rate)s %% op € %(amount)s",
                                                      "TVA %(category)s %(rate)s %% sur € %(amount)s"),
    "Credit notes": ("Creditnota's", "Notes de crédit"),
    "to %(receiver)s, %(attempts)s attempt(s)": ("naar %(receiver)s, %(attempts)s poging(en)",
                                                 "à %(receiver)s, %(attempts)s tentative(s)"),
    "Not sent yet.": ("Nog niet verstuurd.", "Pas encore envoyé."),
    "Send over Peppol": ("Via Peppol versturen", "Envoyer via Peppol"),
    "all": ("alle", "tous"),
    "Show": ("Tonen", "Afficher"),
    "Not found.": ("Niet gevonden.", "Introuvable."),
    "The invoice is issued.": ("De factuur is uitgereikt.", "La facture est émise."),
    "The draft is deleted.": ("Het ontwerp is verwijderd.", "Le projet est supprimé."),
    "A draft credit note for everything not yet credited is ready: check it and issue it.": (
        "Een ontwerp-creditnota voor alles wat nog niet gecrediteerd is, staat klaar: controleer en reik uit.",
        "Un projet de note de crédit pour tout ce qui n'est pas encore crédité est prêt : vérifiez-le et émettez-le."),
    "The invoice is queued for sending over Peppol.": ("De factuur wordt via Peppol verstuurd.",
                                                       "La facture va être envoyée via Peppol."),
    "This invoice has no Peppol document.": ("Deze factuur heeft geen Peppol-document.",
                                             "Cette facture n'a pas de document Peppol."),
    "Issued invoices cannot be deleted; nothing was deleted.": (
        "Uitgereikte facturen kunnen niet verwijderd worden; er is niets verwijderd.",
        "Les factures émises ne peuvent pas être supprimées ; rien n'a été supprimé."),
    "This customer has no Peppol participant id (or enterprise number): the invoice cannot be sent as a "
    "structured e-invoice.": (
        "Deze klant heeft geen Peppol-id (of ondernemingsnummer): de factuur kan niet als gestructureerde "
        "e-factuur verstuurd worden.",
        "Ce client n'a pas d'identifiant Peppol (ni de numéro d'entreprise) : la facture ne peut pas être "
        "envoyée comme facture électronique structurée."),
    # services: errors
    "An issued invoice cannot be changed or deleted; issue a credit note.": (
        "Een uitgereikte factuur kan niet gewijzigd of verwijderd worden; maak een creditnota.",
        "Une facture émise ne peut être ni modifiée ni supprimée ; émettez une note de crédit."),
    "An issued invoice cannot be deleted; issue a credit note.": (
        "Een uitgereikte factuur kan niet verwijderd worden; maak een creditnota.",
        "Une facture émise ne peut pas être supprimée ; émettez une note de crédit."),
    "This invoice does not exist.": ("Deze factuur bestaat niet.", "Cette facture n'existe pas."),
    "Every credited line needs a line id and a quantity.": (
        "Elke gecrediteerde lijn heeft een lijn-id en een hoeveelheid nodig.",
        "Chaque ligne créditée a besoin d'un identifiant de ligne et d'une quantité."),
    "Line %(id)s is not on this invoice.": ("Lijn %(id)s staat niet op deze factuur.",
                                            "La ligne %(id)s n'est pas sur cette facture."),
    "A line appears twice in the credit note.": ("Een lijn staat twee keer in de creditnota.",
                                                 "Une ligne figure deux fois dans la note de crédit."),
    "Choose at least one line to credit.": ("Kies minstens één lijn om te crediteren.",
                                            "Choisissez au moins une ligne à créditer."),
    "%(line)s: credit at most %(left)s.": ("%(line)s: crediteer hoogstens %(left)s.",
                                           "%(line)s : créditez au plus %(left)s."),
    "Only an issued invoice can be credited.": ("Alleen een uitgereikte factuur kan gecrediteerd worden.",
                                                "Seule une facture émise peut être créditée."),
    "%(line)s is already credited.": ("%(line)s is al gecrediteerd.", "%(line)s est déjà crédité."),
    "Everything on this invoice has already been credited.": (
        "Alles op deze factuur is al gecrediteerd.", "Tout ce qui figure sur cette facture a déjà été crédité."),
    "Choose at least one order to invoice.": ("Kies minstens één bestelling om te factureren.",
                                              "Choisissez au moins une commande à facturer."),
    "Only delivered orders can be invoiced: %(orders)s.": (
        "Alleen geleverde bestellingen kunnen gefactureerd worden: %(orders)s.",
        "Seules les commandes livrées peuvent être facturées : %(orders)s."),
    "One invoice covers the orders of one business account.": (
        "Eén factuur gaat over de bestellingen van één zakelijke klant.",
        "Une facture couvre les commandes d'un seul client professionnel."),
    "One invoice covers the orders of one customer.": ("Eén factuur gaat over de bestellingen van één klant.",
                                                       "Une facture couvre les commandes d'un seul client."),
    "Orders with and without VAT in their prices cannot share an invoice.": (
        "Bestellingen met en zonder btw in de prijzen kunnen niet op één factuur.",
        "Des commandes avec et sans TVA dans les prix ne peuvent pas partager une facture."),
    "Already invoiced: %(orders)s.": ("Al gefactureerd: %(orders)s.", "Déjà facturé : %(orders)s."),
    "Unknown order(s).": ("Onbekende bestelling(en).", "Commande(s) inconnue(s)."),
    "Nothing was delivered: there is nothing to invoice.": ("Er is niets geleverd: er valt niets te factureren.",
                                                            "Rien n'a été livré : il n'y a rien à facturer."),
    "An invoice without lines cannot be issued.": ("Een factuur zonder lijnen kan niet uitgereikt worden.",
                                                   "Une facture sans lignes ne peut pas être émise."),
    "The issue date cannot be in the future.": ("De factuurdatum kan niet in de toekomst liggen.",
                                                "La date de facture ne peut pas être dans le futur."),
    "A credit note can only correct an issued invoice.": (
        "Een creditnota kan alleen een uitgereikte factuur corrigeren.",
        "Une note de crédit ne peut corriger qu'une facture émise."),
    "A credit note cannot be dated before the invoice it corrects.": (
        "Een creditnota kan niet gedateerd zijn vóór de factuur die ze corrigeert.",
        "Une note de crédit ne peut pas être datée avant la facture qu'elle corrige."),
    "The series already has an invoice dated %(date)s; issue on or after that date.": (
        "De reeks heeft al een factuur van %(date)s; reik uit op of na die datum.",
        "La série a déjà une facture du %(date)s ; émettez à cette date ou après."),
    # models
    "Invoicing": ("Facturatie", "Facturation"),
    "invoice": ("factuur", "facture"),
    "invoices": ("facturen", "factures"),
    "credit note": ("creditnota", "note de crédit"),
    "self-billing invoice": ("autofactuur", "autofacture"),
    "purchase slip": ("aankoopborderel", "bordereau d'achat"),
    "draft": ("ontwerp", "projet"),
    "issued": ("uitgereikt", "émise"),
    "invoice series": ("factuurreeks", "série de factures"),
    "series": ("reeks", "série"),
    "year": ("jaar", "année"),
    "last number issued": ("laatst uitgereikt nummer", "dernier numéro émis"),
    "kind": ("soort", "type"),
    "status": ("status", "statut"),
    "number": ("nummer", "numéro"),
    "issue date": ("factuurdatum", "date de facture"),
    "due date": ("vervaldatum", "date d'échéance"),
    "delivered from": ("geleverd vanaf", "livré du"),
    "delivered until": ("geleverd tot", "livré jusqu'au"),
    "seller": ("verkoper", "vendeur"),
    "buyer": ("koper", "acheteur"),
    "language": ("taal", "langue"),
    "payment terms (days)": ("betalingstermijn (dagen)", "délai de paiement (jours)"),
    "structured reference (OGM)": ("gestructureerde mededeling (OGM)", "communication structurée (VCS)"),
    "buyer reference": ("referentie klant", "référence client"),
    "purchase order reference": ("bestelbonreferentie", "référence du bon de commande"),
    "note": ("opmerking", "remarque"),
    "total excl. VAT": ("totaal excl. btw", "total hors TVA"),
    "total incl. VAT": ("totaal incl. btw", "total TVA comprise"),
    "already paid": ("reeds betaald", "déjà payé"),
    "rounding": ("afronding", "arrondi"),
    "amount due": ("te betalen", "montant à payer"),
    "goods": ("goederen", "marchandises"),
    "deposit": ("statiegeld", "consigne"),
    "delivery fee": ("leveringskost", "frais de livraison"),
    "description": ("omschrijving", "description"),
    "quantity": ("hoeveelheid", "quantité"),
    "unit": ("eenheid", "unité"),
    "unit price excl. VAT": ("eenheidsprijs excl. btw", "prix unitaire hors TVA"),
    "amount excl. VAT": ("bedrag excl. btw", "montant hors TVA"),
    "VAT category": ("btw-categorie", "catégorie TVA"),
    "VAT rate": ("btw-tarief", "taux de TVA"),
    "waiting to be sent": ("wacht op verzending", "en attente d'envoi"),
    "being sent": ("wordt verstuurd", "en cours d'envoi"),
    "ready for manual upload": ("klaar om manueel op te laden", "prêt pour le téléversement manuel"),
    "accepted by the access point": ("aanvaard door het access point", "accepté par le point d'accès"),
    "delivered to the buyer": ("afgeleverd bij de koper", "remis à l'acheteur"),
    "failed": ("mislukt", "échoué"),
    "receiver": ("ontvanger", "destinataire"),
    "Peppol delivery": ("Peppol-verzending", "envoi Peppol"),
    "Peppol deliveries": ("Peppol-verzendingen", "envois Peppol"),
    "The supplier of a self-billing invoice or purchase slip.": (
        "De leverancier bij autofacturatie of een aankoopborderel.",
        "Le fournisseur d'une autofacture ou d'un bordereau d'achat."),
    "A consumer document: the customer was charged prices incl. VAT.": (
        "Een document voor een consument: de prijzen waren inclusief btw.",
        "Un document pour un consommateur : les prix étaient TVA comprise."),
    "e.g. the order and delivery date": ("bv. de bestelling en de leveringsdatum", "p.ex. la commande et la date"),
    "As shown: kg, piece ...": ("Zoals getoond: kg, stuk ...", "Tel qu'affiché : kg, pièce ..."),
    "UN/ECE Rec. 20/21 code (KGM, H87, ...)": ("UN/ECE Rec. 20/21-code (KGM, H87, ...)",
                                               "code UN/ECE Rec. 20/21 (KGM, H87, ...)"),
    "The access point's message id.": ("Het berichtnummer van het access point.",
                                       "L'identifiant du message au point d'accès."),
}


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


if __name__ == "__main__":
    import subprocess
    from pathlib import Path

    here = Path(__file__).resolve().parent
    for column, language in enumerate(("nl", "fr")):
        po = here / language / "LC_MESSAGES" / "django.po"
        text = po.read_text(encoding="utf-8")
        missing = []
        entries = text.split("\n\n")
        for n, entry in enumerate(entries):
            rows = entry.split("\n")
            starts = [k for k, r in enumerate(rows) if r.startswith("msgid ")]
            if not starts:
                continue
            k = starts[0]
            ends = [m for m, r in enumerate(rows) if r.startswith("msgstr ")]
            msgid = "".join(r.strip()[1:-1] if r.startswith('"') else r[6:].strip()[1:-1]
                            for r in rows[k:ends[0]]).replace('\\"', '"')
            if msgid == "":
                rows = [r.replace("charset=CHARSET", "charset=UTF-8") for r in rows]
                rows = [r if not r.startswith('"Language: ') else f'"Language: {language}\\n"' for r in rows]
                entries[n] = "\n".join(r for r in rows if "#, fuzzy" not in r)
                continue
            if msgid not in T:
                missing.append(msgid)
                continue
            rows = [r for r in rows[:ends[0]] if "#, fuzzy" not in r] + ["msgstr " + _quote(T[msgid][column])]
            entries[n] = "\n".join(rows)
        po.write_text("\n\n".join(entries), encoding="utf-8")
        command = ["msgfmt", "--check-format", "-o", str(po.with_suffix(".mo")), str(po)]
        subprocess.run(command, check=True)  # noqa: S603 (a developer's tool, fixed arguments)
        print(language, "missing:", missing)
