"""The words of the validation notice in English and Spanish.

The English is Model Form B-1 of Regulation F (12 CFR part 1006, appendix B) as the
CFPB printed it; the Spanish follows the same form sentence by sentence.  Slots in braces
are filled by the renderer: ``{collector}``, ``{creditor}``, ``{account}``, ``{date}``
(written out), ``{end}`` (the validation period's last day, written out),
``{reference}``.  Where the description holds less than the form asks for, the words say
only what we know: "You had an account from …" (the form names the product, which the
description does not give), and one added sentence says which date the itemization date
is (``itemization_kind``).  Disputes and requests sent electronically are left out: the
form offers that sentence only to a collector that accepts them at a given address,
which the description does not say.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

CFPB_WEBSITE = "www.cfpb.gov/debt-collection"


@dataclass(frozen=True, slots=True)
class Wording:
    """Every sentence and label of the notice in one language."""

    title: str
    reference: str
    phone: str
    hours: str
    email: str
    website: str
    is_a_debt_collector: str
    trying_to_collect: str
    use_information: str
    our_information: str
    account: str
    itemization_is: str
    itemization_kinds: Mapping[str, str]
    as_of: str
    between: str
    interest: str
    fees: str
    paid_or_credited: str
    total_now: str
    dispute_heading: str
    dispute_by: str
    dispute_by_rest: str
    dispute_write: str
    dispute_write_rest: str
    else_heading: str
    original_creditor: str
    original_creditor_rest: str
    cfpb: str
    cfpb_rest: str
    payment_options: str
    online: str  # beside the QR code of the self-service link (a notice sent by post)
    scan: str
    spanish_offer: str | None
    respond_heading: str
    mail_to: str
    check_all: str
    dispute_because: str
    not_my_debt: str
    amount_wrong: str
    other: str
    send_original_creditor: str
    enclosed: str
    payable_to: str
    include_reference: str
    spanish_form: str | None


ENGLISH = Wording(
    title="Validation notice",
    reference="Reference:",
    phone="Call",
    hours="Hours:",
    email="Email:",
    website="Online:",
    is_a_debt_collector="{collector} is a debt collector.",
    trying_to_collect="We are trying to collect a debt that you owe to {creditor}.",
    use_information="We will use any information you give us to help collect the debt.",
    our_information="Our information shows:",
    account="You had an account from {creditor} with account number {account}.",
    itemization_is="{date} is {kind}.",
    itemization_kinds={
        "last_statement": "the date of the last statement",
        "charge_off": "the charge-off date",
        "last_payment": "the date of the last payment",
        "transaction": "the transaction date",
        "judgment": "the judgment date",
    },
    as_of="As of {date}, you owed:",
    between="Between {date} and today:",
    interest="You were charged this amount in interest:",
    fees="You were charged this amount in fees:",
    paid_or_credited="You paid or were credited this amount toward the debt:",
    total_now="Total amount of the debt now:",
    dispute_heading="How can you dispute the debt?",
    dispute_by="Call or write to us by {end}, to dispute all or part of the debt.",
    dispute_by_rest="If you do not, we will assume that our information is correct.",
    dispute_write="If you write to us by {end},",
    dispute_write_rest=(
        "we must stop collection on any amount you dispute until we send you information "
        "that shows you owe the debt. You may use the form below or write to us without "
        "the form. You may also include supporting documents."
    ),
    else_heading="What else can you do?",
    original_creditor=(
        "Write to ask for the name and address of the original creditor, if different "
        "from the current creditor."
    ),
    original_creditor_rest=(
        "If you write by {end}, we must stop collection until we send you that "
        "information. You may use the form below or write to us without the form."
    ),
    cfpb=f"Go to {CFPB_WEBSITE}",
    cfpb_rest=(
        "to learn more about your rights under federal law. For instance, you have the "
        "right to stop or limit how we contact you."
    ),
    payment_options="Contact us about your payment options.",
    online="Pay, set up a plan or dispute online.",
    scan="Scan the code, or go to:",
    spanish_offer=(
        "Póngase en contacto con nosotros para solicitar una copia de este formulario en español."
    ),
    respond_heading="How do you want to respond?",
    mail_to="Mail this form to:",
    check_all="Check all that apply:",
    dispute_because="I want to dispute the debt because I think:",
    not_my_debt="This is not my debt.",
    amount_wrong="The amount is wrong.",
    other="Other (please describe on reverse or attach additional information).",
    send_original_creditor=("I want you to send me the name and address of the original creditor."),
    enclosed="I enclosed this amount:",
    payable_to="Make your check payable to {collector}.",
    include_reference="Include the reference number {reference}.",
    spanish_form="Quiero este formulario en español.",
)

SPANISH = Wording(
    title="Aviso de validación",
    reference="Referencia:",
    phone="Llame al",
    hours="Horario:",
    email="Correo electrónico:",
    website="En línea:",
    is_a_debt_collector="{collector} es un cobrador de deudas.",
    trying_to_collect="Estamos tratando de cobrar una deuda que usted le debe a {creditor}.",
    use_information=(
        "Usaremos cualquier información que usted nos dé para ayudar a cobrar la deuda."
    ),
    our_information="Nuestra información muestra:",
    account="Usted tenía una cuenta de {creditor} con el número de cuenta {account}.",
    itemization_is="El {date} es {kind}.",
    itemization_kinds={
        "last_statement": "la fecha del último estado de cuenta",
        "charge_off": "la fecha de cancelación contable",
        "last_payment": "la fecha del último pago",
        "transaction": "la fecha de la transacción",
        "judgment": "la fecha de la sentencia",
    },
    as_of="Al {date}, usted debía:",
    between="Entre el {date} y hoy:",
    interest="Se le cobró esta cantidad en intereses:",
    fees="Se le cobró esta cantidad en cargos:",
    paid_or_credited="Usted pagó o se le acreditó esta cantidad a la deuda:",
    total_now="Cantidad total de la deuda ahora:",
    dispute_heading="¿Cómo puede disputar la deuda?",
    dispute_by=(
        "Llámenos o escríbanos a más tardar el {end} para disputar toda la deuda o parte de ella."
    ),
    dispute_by_rest="Si no lo hace, supondremos que nuestra información es correcta.",
    dispute_write="Si nos escribe a más tardar el {end},",
    dispute_write_rest=(
        "debemos dejar de cobrar cualquier cantidad que usted dispute hasta que le "
        "enviemos información que demuestre que usted debe la deuda. Puede usar el "
        "formulario a continuación o escribirnos sin el formulario. También puede incluir "
        "documentos de respaldo."
    ),
    else_heading="¿Qué más puede hacer?",
    original_creditor=(
        "Escríbanos para pedir el nombre y la dirección del acreedor original, si es "
        "diferente del acreedor actual."
    ),
    original_creditor_rest=(
        "Si nos escribe a más tardar el {end}, debemos dejar de cobrar hasta que le "
        "enviemos esa información. Puede usar el formulario a continuación o escribirnos "
        "sin el formulario."
    ),
    cfpb=f"Visite {CFPB_WEBSITE}",
    cfpb_rest=(
        "para obtener más información sobre sus derechos según la ley federal. Por "
        "ejemplo, usted tiene derecho a detener o limitar la forma en que nos comunicamos "
        "con usted."
    ),
    payment_options="Comuníquese con nosotros para informarse sobre sus opciones de pago.",
    online="Pague, acuerde un plan o dispute en línea.",
    scan="Escanee el código, o visite:",
    spanish_offer=None,
    respond_heading="¿Cómo desea responder?",
    mail_to="Envíe este formulario por correo a:",
    check_all="Marque todas las opciones que correspondan:",
    dispute_because="Quiero disputar la deuda porque creo que:",
    not_my_debt="Esta deuda no es mía.",
    amount_wrong="La cantidad es incorrecta.",
    other="Otro (describa al reverso o adjunte información adicional).",
    send_original_creditor=("Quiero que me envíen el nombre y la dirección del acreedor original."),
    enclosed="Adjunté esta cantidad:",
    payable_to="Haga su cheque pagadero a {collector}.",
    include_reference="Incluya el número de referencia {reference}.",
    spanish_form=None,
)

WORDING: Mapping[str, Wording] = {"en": ENGLISH, "es": SPANISH}
