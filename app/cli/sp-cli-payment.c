/* sp-cli-payment.c — `payment add | reverse | list` and `balance`
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "signpost-cli"

#include "config.h"

#include <inttypes.h>
#include <glib/gi18n.h>

#include "sp-cli-private.h"
#include "sp-patients.h"
#include "sp-referrals.h"
#include "sp-validate.h"

/* The funder's name, or "Patient". */
static char *
payer_name (Cli             *cli,
            const SpPayment *payment)
{
  if (g_strcmp0 (payment->payer, "funder") == 0 && payment->funder_id != NULL)
    return funder_label (cli, payment->funder_id);
  return g_strdup (sp_vocab_label (SP_VOCAB_PAYER, payment->payer));
}

/* {"<name>": record, "<balance_name>": {…}} */
static JsonNode *
record_with_balance_node (const char      *name,
                          JsonNode        *record,
                          const char      *balance_name,
                          const SpBalance *balance)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_member (builder, name, record);
  add_balance (builder, balance_name, balance);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* ---- payment add --------------------------------------------------------- */

static void
print_payment_added (Cli              *cli,
                     const SpReferral *referral,
                     const SpPayment  *payment,
                     const SpBalance  *balance)
{
  g_autofree char *amount = sp_money_format (payment->amount_pence);
  g_autofree char *offering = offering_label (cli, referral->offering_id);

  if (g_strcmp0 (payment->payer, "patient") == 0)
    g_print (_("Recorded a payment of %s from the patient for “%s”.\n"), amount, offering);
  else
    {
      g_autofree char *payer = payer_name (cli, payment);
      g_print (_("Recorded a payment of %s from %s for “%s”.\n"), amount, payer, offering);
    }
  if (payment->method != NULL)
    g_print (_("Method: %s\n"), sp_vocab_label (SP_VOCAB_PAYMENT_METHOD, payment->method));
  g_print (_("Payment id: %s\n"), payment->record.id);
  g_print ("\n%s\n", _("This referral’s balance"));
  print_balance_table (balance, 2);
}

int
cmd_payment_add (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *payer = NULL;
  g_autofree char *method = NULL;
  g_autofree char *note = NULL;
  g_autofree char *funder_text = NULL;
  const GOptionEntry entries[] = {
    { "payer", 0, 0, G_OPTION_ARG_STRING, &payer, N_("Who paid; the patient unless given"), N_("PAYER") },
    { "funder", 0, 0, G_OPTION_ARG_STRING, &funder_text,
      N_("Which funder paid, when not the referral’s own"), N_("FUNDER") },
    { "method", 0, 0, G_OPTION_ARG_STRING, &method, N_("How it was paid"), N_("METHOD") },
    { "note", 0, 0, G_OPTION_ARG_STRING, &note, N_("A note kept with the payment"), N_("TEXT") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(SpReferral) referral = NULL;
  g_autoptr(SpPayment) payment = sp_payment_new ();
  g_autoptr(SpFunder) funder = NULL;
  SpBalance balance;

  cli_help_codes (cli, SP_VOCAB_PAYER, SP_VOCAB_PAYMENT_METHOD, SP_N_VOCABS);
  if (!cli_begin (cli, entries, 2, 2))
    return cli->status;

  if ((referral = find_record (cli, &sp_entity_referral, cli_arg (cli, 0), &error)) == NULL ||
      !sp_money_parse (cli_arg (cli, 1), &payment->amount_pence, &error))
    return cli_fail (cli, error);
  if (funder_text != NULL)
    {
      funder = find_record (cli, &sp_entity_funder, funder_text, &error);
      if (funder == NULL)
        return cli_fail (cli, error);
      if (payer == NULL)
        payer = g_strdup ("funder");
      payment->funder_id = g_strdup (funder->record.id);
    }

  payment->referral_id = g_strdup (referral->record.id);
  payment->payer = payer != NULL ? g_ascii_strdown (payer, -1) : g_strdup ("patient");
  payment->method = method != NULL ? g_ascii_strdown (method, -1) : NULL;
  payment->note = g_steal_pointer (&note);
  if (!sp_store_add_payment (cli->store, payment, &error) ||
      !sp_store_referral_balance (cli->store, referral->record.id, &balance, &error))
    return cli_fail (cli, error);

  if (cli->json)
    return reply_json (record_with_balance_node ("payment", record_node (&sp_entity_payment, payment),
                                                 "referral_balance", &balance));
  print_payment_added (cli, referral, payment, &balance);
  return CLI_EXIT_OK;
}

/* ---- payment reverse ----------------------------------------------------- */

int
cmd_payment_reverse (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *note = NULL;
  const GOptionEntry entries[] = {
    { "note", 0, 0, G_OPTION_ARG_STRING, &note, N_("Why the payment is reversed"), N_("TEXT") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(SpPayment) original = NULL;
  g_autoptr(SpPayment) reversal = NULL;
  g_autofree char *amount = NULL;
  g_autofree char *date = NULL;

  if (!cli_begin (cli, entries, 1, 1))
    return cli->status;

  if ((original = find_record (cli, &sp_entity_payment, cli_arg (cli, 0), &error)) == NULL ||
      (reversal = sp_store_reverse_payment (cli->store, original->record.id, note, &error)) == NULL)
    return cli_fail (cli, error);

  if (cli->json)
    return reply_json (record_node (&sp_entity_payment, reversal));

  amount = sp_money_format (original->amount_pence);
  date = date_only (original->paid_at);
  g_print (_("Reversed the payment of %s made on %s.\n"), amount, date);
  g_print (_("Reversal id: %s\n"), reversal->record.id);
  return CLI_EXIT_OK;
}

/* ---- payment list -------------------------------------------------------- */

/* "reverses 1a2b3c4d: typed the wrong amount", or the payment's own note. */
static char *
payment_note (const SpPayment *payment)
{
  g_autofree char *reversed = NULL;

  if (payment->reverses_id == NULL)
    return g_strdup (payment->note);
  reversed = short_id (payment->reverses_id);
  return payment->note != NULL ? g_strdup_printf (_("reverses %s: %s"), reversed, payment->note)
                               : g_strdup_printf (_("reverses %s"), reversed);
}

static void
print_payments (Cli       *cli,
                GPtrArray *payments)
{
  g_autoptr(Table) table = table_new (6, 2);
  g_autofree char *patient_total = NULL;
  g_autofree char *funder_total = NULL;
  gint64 by_patient = 0, by_funders = 0;

  table_align_right (table, 2);
  table_add (table, _("Date"), _("Paid by"), _("Amount"), _("Method"), _("ID"), _("Note"));
  for (guint i = 0; i < payments->len; i++)
    {
      SpPayment *p = payments->pdata[i];
      g_autofree char *date = date_only (p->paid_at);
      g_autofree char *money = sp_money_format (p->amount_pence);
      g_autofree char *id = short_id (p->record.id);
      g_autofree char *payer = payer_name (cli, p);
      g_autofree char *note = payment_note (p);

      if (g_strcmp0 (p->payer, "patient") == 0)
        by_patient += p->amount_pence;
      else
        by_funders += p->amount_pence;
      table_add (table, date, payer, money,
                 p->method != NULL ? sp_vocab_label (SP_VOCAB_PAYMENT_METHOD, p->method) : NULL, id, note);
    }
  table_print (table);

  patient_total = sp_money_format (by_patient);
  funder_total = sp_money_format (by_funders);
  g_print (_("Paid by the patient: %s; by funders: %s.\n"), patient_total, funder_total);
}

int
cmd_payment_list (Cli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpReferral) referral = NULL;
  g_autoptr(GPtrArray) payments = NULL;
  g_autofree char *offering = NULL;
  g_autofree char *patient = NULL;

  if (!cli_begin (cli, NULL, 1, 1))
    return cli->status;

  if ((referral = find_record (cli, &sp_entity_referral, cli_arg (cli, 0), &error)) == NULL ||
      (payments = sp_store_list_payments (cli->store, referral->record.id, &error)) == NULL)
    return cli_fail (cli, error);

  if (cli->json)
    return reply_json (record_array_node (&sp_entity_payment, payments));

  patient = patient_label (cli, referral->patient_id);
  offering = offering_label (cli, referral->offering_id);
  g_print (_("Payments for the referral of %s to “%s”\n"), patient, offering);
  if (payments->len == 0)
    g_print ("  %s\n", _("None yet."));
  else
    print_payments (cli, payments);
  return CLI_EXIT_OK;
}

/* ---- balance ------------------------------------------------------------- */

static int
balance_of_funder (Cli        *cli,
                   const char *funder_text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpFunder) funder = NULL;
  g_autoptr(Table) table = NULL;
  g_autofree char *budget = NULL;
  g_autofree char *committed = NULL;
  g_autofree char *spent = NULL;
  g_autofree char *paid = NULL;
  g_autofree char *left = NULL;
  g_autofree char *year = NULL;
  SpFunderSpend spend;
  gint64 remaining;

  funder = find_record (cli, &sp_entity_funder, funder_text, &error);
  if (funder == NULL || !sp_store_funder_spend (cli->store, funder->record.id, &spend, &error))
    return cli_fail (cli, error);
  remaining = spend.budget - spend.spent - spend.committed;

  if (cli->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      add_member (builder, "funder", record_node (&sp_entity_funder, funder));
      add_int (builder, "budget_pence", spend.budget);
      add_int (builder, "committed_pence", spend.committed);
      add_int (builder, "spent_pence", spend.spent);
      add_int (builder, "paid_pence", spend.paid);
      add_int (builder, "remaining_pence", remaining);
      json_builder_end_object (builder);
      return reply_json (json_builder_get_root (builder));
    }

  g_print ("%s (%s)\n", funder->name, sp_vocab_label (SP_VOCAB_FUNDER_KIND, funder->kind));
  table = table_new (3, 2);
  budget = sp_money_format (spend.budget);
  committed = sp_money_format (spend.committed);
  spent = sp_money_format (spend.spent);
  paid = sp_money_format (spend.paid);
  left = sp_money_format (remaining);
  if (funder->year_start != NULL)
    year = g_strdup_printf (_("for the year from %s"), funder->year_start);
  table_align_right (table, 1);
  table_add (table, _("Budget"), budget, year);
  table_add (table, _("Committed"), committed, _("sessions still to come on open referrals"));
  table_add (table, _("Spent"), spent, _("sessions attended"));
  table_add (table, _("Paid"), paid, _("payments received from the funder"));
  table_add (table, _("Remaining"), left, _("budget less spent and committed"));
  table_print (table);
  return CLI_EXIT_OK;
}

static JsonNode *
referral_balance_node (Cli              *cli,
                       const SpReferral *referral,
                       const SpBalance  *balance)
{
  return record_with_balance_node ("referral", referral_node (cli, referral), "balance", balance);
}

static int
balance_of_referral (Cli        *cli,
                     const char *referral_text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpReferral) referral = NULL;
  g_autofree char *name = NULL;
  g_autofree char *offering = NULL;
  SpBalance balance;

  referral = find_record (cli, &sp_entity_referral, referral_text, &error);
  if (referral == NULL || !sp_store_referral_balance (cli->store, referral->record.id, &balance, &error))
    return cli_fail (cli, error);
  if (cli->json)
    return reply_json (referral_balance_node (cli, referral, &balance));

  name = patient_label (cli, referral->patient_id);
  offering = offering_label (cli, referral->offering_id);
  g_print (_("Balance of the referral of %s to “%s”\n"), name, offering);
  g_print (_("Charged per session attended: %" PRId64 " of %" PRId64 " so far.\n"),
           referral->sessions_attended, referral->sessions_planned);
  print_balance_table (&balance, 2);
  return CLI_EXIT_OK;
}

/* Each referral with its own balance, in the order listed. */
static GArray *
referral_balances (Cli        *cli,
                   GPtrArray  *referrals,
                   GError    **error)
{
  g_autoptr(GArray) balances = g_array_sized_new (FALSE, FALSE, sizeof (SpBalance), referrals->len);

  for (guint i = 0; i < referrals->len; i++)
    {
      SpReferral *r = referrals->pdata[i];
      SpBalance balance;

      if (!sp_store_referral_balance (cli->store, r->record.id, &balance, error))
        return NULL;
      g_array_append_val (balances, balance);
    }
  return g_steal_pointer (&balances);
}

static JsonNode *
patient_balance_node (Cli             *cli,
                      const SpPatient *patient,
                      const SpBalance *balance,
                      GPtrArray       *referrals,
                      GArray          *balances)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_member (builder, "patient", record_node (&sp_entity_patient, patient));
  add_balance (builder, "balance", balance);
  json_builder_set_member_name (builder, "referrals");
  json_builder_begin_array (builder);
  for (guint i = 0; i < referrals->len; i++)
    json_builder_add_value (builder, referral_balance_node (cli, referrals->pdata[i],
                                                            &g_array_index (balances, SpBalance, i)));
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* The patient's share of each referral. */
static void
print_referral_balances (Cli       *cli,
                         GPtrArray *referrals,
                         GArray    *balances)
{
  g_autoptr(Table) table = table_new (7, 2);

  for (guint i = 4; i < 7; i++)
    table_align_right (table, i);
  table_add (table, _("ID"), _("Offering"), _("Status"), _("Sessions"), _("Due"), _("Paid"), _("Outstanding"));
  for (guint i = 0; i < referrals->len; i++)
    {
      SpReferral *r = referrals->pdata[i];
      const SpBalance *rb = &g_array_index (balances, SpBalance, i);
      g_autofree char *id = short_id (r->record.id);
      g_autofree char *offering = offering_label (cli, r->offering_id);
      g_autofree char *sessions = referral_sessions_text (r);
      g_autofree char *due = sp_money_format (rb->patient_due);
      g_autofree char *paid = sp_money_format (rb->patient_paid);
      g_autofree char *outstanding = sp_money_format (rb->patient_due - rb->patient_paid);

      table_add (table, id, offering, status_label (r->status), sessions, due, paid, outstanding);
    }
  table_print (table);
}

static int
balance_of_patient (Cli        *cli,
                    const char *patient_text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SpPatient) patient = NULL;
  g_autoptr(GPtrArray) referrals = NULL;
  g_autoptr(GArray) balances = NULL;
  g_autofree char *name = NULL;
  g_autofree char *nhs = NULL;
  SpBalance balance;

  patient = find_patient (cli, patient_text, &error);
  if (patient == NULL ||
      !sp_store_patient_balance (cli->store, patient->record.id, &balance, &error) ||
      (referrals = sp_store_list_referrals (cli->store, patient->record.id, &error)) == NULL ||
      (balances = referral_balances (cli, referrals, &error)) == NULL)
    return cli_fail (cli, error);

  if (cli->json)
    return reply_json (patient_balance_node (cli, patient, &balance, referrals, balances));

  name = sp_patient_display_name (patient);
  nhs = patient_nhs_number (patient);
  g_print (_("Balance for %s (NHS number %s)\n"), name, nhs);
  print_balance_table (&balance, 2);
  if (referrals->len > 0)
    {
      g_print ("\n%s\n", _("By referral (the patient’s share)"));
      print_referral_balances (cli, referrals, balances);
    }
  return CLI_EXIT_OK;
}

int
cmd_balance (Cli *cli)
{
  g_autofree char *referral_text = NULL;
  g_autofree char *funder_text = NULL;
  const GOptionEntry entries[] = {
    { "referral", 0, 0, G_OPTION_ARG_STRING, &referral_text, N_("The balance of one referral"), N_("REFERRAL") },
    { "funder", 0, 0, G_OPTION_ARG_STRING, &funder_text, N_("A funder’s budget and spending"), N_("FUNDER") },
    G_OPTION_ENTRY_NULL
  };
  guint n_given;

  if (!cli_parse (cli, entries, 0, 1))
    return cli->status;
  n_given = (cli_n_args (cli) > 0) + (referral_text != NULL) + (funder_text != NULL);
  if (n_given != 1)
    return cli_usage (cli, _("Give one of: a PATIENT, --referral REFERRAL or --funder FUNDER."));
  if (!cli_open_store (cli))
    return cli->status;

  if (funder_text != NULL)
    return balance_of_funder (cli, funder_text);
  if (referral_text != NULL)
    return balance_of_referral (cli, referral_text);
  return balance_of_patient (cli, cli_arg (cli, 0));
}
