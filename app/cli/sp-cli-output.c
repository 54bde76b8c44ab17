/* sp-cli-output.c — aligned tables, JSON, and money and dates in words
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "signpost-cli"

#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>

#include "sp-cli-private.h"
#include "sp-validate.h"

/* ---- Tables -------------------------------------------------------------- */

/* Columns on a terminal: wide characters take two, combining marks none. */
guint
text_width (const char *text)
{
  guint width = 0;

  if (!g_utf8_validate (text, -1, NULL))
    return (guint) strlen (text);
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iszerowidth (c))
        continue;
      width += g_unichar_iswide (c) ? 2 : 1;
    }
  return width;
}

struct _Table
{
  guint      n_columns;
  guint      indent;
  guint      right_aligned;  /* one bit per column */
  GPtrArray *rows;           /* GStrv of n_columns cells */
};

void
table_free (Table *table)
{
  g_ptr_array_unref (table->rows);
  g_free (table);
}

Table *
table_new (guint n_columns,
           guint indent)
{
  Table *table = g_new0 (Table, 1);

  table->n_columns = n_columns;
  table->indent = indent;
  table->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  return table;
}

void
table_align_right (Table *table,
                   guint  column)
{
  table->right_aligned |= 1u << column;
}

/* Exactly n_columns cells; NULL for an empty one. */
void
table_add (Table *table,
           ...)
{
  char **row = g_new0 (char *, table->n_columns + 1);
  va_list args;

  va_start (args, table);
  for (guint i = 0; i < table->n_columns; i++)
    {
      const char *cell = va_arg (args, const char *);
      row[i] = g_strdup (cell != NULL ? cell : "");
    }
  va_end (args);
  g_ptr_array_add (table->rows, row);
}

/* A row of a two-column list of details, left out when there is no value. */
void
table_add_detail (Table      *table,
                  const char *label,
                  const char *value)
{
  if (value != NULL)
    table_add (table, label, value);
}

static void
append_spaces (GString *out,
               guint    n)
{
  for (guint k = 0; k < n; k++)
    g_string_append_c (out, ' ');
}

void
table_print (Table *table)
{
  g_autofree guint *widths = g_new0 (guint, table->n_columns);
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint r = 0; r < table->rows->len; r++)
    {
      char **row = table->rows->pdata[r];
      for (guint i = 0; i < table->n_columns; i++)
        widths[i] = MAX (widths[i], text_width (row[i]));
    }

  for (guint r = 0; r < table->rows->len; r++)
    {
      char **row = table->rows->pdata[r];
      gsize line_start = out->len;

      append_spaces (out, table->indent);
      for (guint i = 0; i < table->n_columns; i++)
        {
          guint pad = widths[i] - text_width (row[i]);
          gboolean last = i + 1 == table->n_columns;

          if (table->right_aligned & (1u << i))
            {
              append_spaces (out, pad);
              g_string_append (out, row[i]);
            }
          else
            {
              g_string_append (out, row[i]);
              append_spaces (out, last ? 0 : pad);
            }
          if (!last)
            g_string_append (out, "  ");
        }
      /* Empty trailing cells leave only spaces. */
      while (out->len > line_start && out->str[out->len - 1] == ' ')
        g_string_truncate (out, out->len - 1);
      g_string_append_c (out, '\n');
    }
  g_print ("%s", out->str);
}

/* ---- Words --------------------------------------------------------------- */

const char *
or_empty (const char *text)
{
  return text != NULL ? text : "";
}

const char *
yes_no (gboolean value)
{
  return value ? _("yes") : _("no");
}

char *
short_id (const char *id)
{
  return g_strndup (or_empty (id), SHORT_ID);
}

/* "2026-02-05T10:00:00Z" → "2026-02-05 10:00" in the desk's local time. */
char *
local_time (const char *utc_time)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (utc_time == NULL)
    return g_strdup ("");
  utc = g_date_time_new_from_iso8601 (utc_time, NULL);
  if (utc == NULL)
    return g_strdup (utc_time);
  local = g_date_time_to_local (utc);
  return g_date_time_format (local, "%Y-%m-%d %H:%M");
}

char *
date_only (const char *time)
{
  return time != NULL ? g_strndup (time, 10) : g_strdup ("");
}

char *
patient_nhs_number (const SpPatient *patient)
{
  return patient->nhs_number != NULL ? sp_nhs_number_format (patient->nhs_number) : g_strdup ("");
}

char *
money_per_session (gint64 pence)
{
  g_autofree char *money = sp_money_format (pence);

  /* TRANSLATORS: a price, e.g. "£2.50 a session" */
  return g_strdup_printf (_("%s a session"), money);
}

const char *
status_label (const char *status)
{
  return sp_vocab_label (SP_VOCAB_REFERRAL_STATUS, status);
}

void
print_balance_table (const SpBalance *balance,
                     guint            indent)
{
  g_autoptr(Table) table = table_new (4, indent);
  g_autofree char *p_due = sp_money_format (balance->patient_due);
  g_autofree char *p_paid = sp_money_format (balance->patient_paid);
  g_autofree char *p_out = sp_money_format (balance->patient_due - balance->patient_paid);
  g_autofree char *f_due = sp_money_format (balance->funder_due);
  g_autofree char *f_paid = sp_money_format (balance->funder_paid);
  g_autofree char *f_out = sp_money_format (balance->funder_due - balance->funder_paid);

  for (guint i = 1; i < 4; i++)
    table_align_right (table, i);
  table_add (table, "", _("Due"), _("Paid"), _("Outstanding"));
  table_add (table, _("Patient share"), p_due, p_paid, p_out);
  table_add (table, _("Funder share"), f_due, f_paid, f_out);
  table_print (table);
}

/* ---- JSON ---------------------------------------------------------------- */

/* Prints @root, which it takes, as the command's whole answer. Returns the
 * exit status, so a command can end with `return reply_json (…);`. */
int
reply_json (JsonNode *root)
{
  g_autoptr(JsonNode) owned = root;
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, owned);
  text = json_generator_to_data (generator, NULL);
  fputs (text, stdout);
  fputc ('\n', stdout);
  return CLI_EXIT_OK;
}

/* Takes the object: the node holds the only reference afterwards. */
JsonNode *
object_node (JsonObject *object)
{
  JsonNode *node = json_node_init_object (json_node_alloc (), object);

  json_object_unref (object);
  return node;
}

JsonNode *
record_node (const SpEntityInfo *info,
             gconstpointer       record)
{
  return object_node (sp_record_to_json (info, record));
}

JsonNode *
record_array_node (const SpEntityInfo *info,
                   GPtrArray          *records)
{
  JsonArray *array = json_array_new ();
  JsonNode *node;

  for (guint i = 0; i < records->len; i++)
    json_array_add_object_element (array, sp_record_to_json (info, records->pdata[i]));
  node = json_node_init_array (json_node_alloc (), array);
  json_array_unref (array);
  return node;
}

void
add_member (JsonBuilder *builder,
            const char  *name,
            JsonNode    *node)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_value (builder, node);
}

void
add_string_or_null (JsonBuilder *builder,
                    const char  *name,
                    const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

void
add_int (JsonBuilder *builder,
         const char  *name,
         gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

void
add_boolean (JsonBuilder *builder,
             const char  *name,
             gboolean     value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_boolean_value (builder, value);
}

void
add_balance (JsonBuilder     *builder,
             const char      *name,
             const SpBalance *balance)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_object (builder);
  add_int (builder, "patient_due_pence", balance->patient_due);
  add_int (builder, "patient_paid_pence", balance->patient_paid);
  add_int (builder, "patient_outstanding_pence", balance->patient_due - balance->patient_paid);
  add_int (builder, "funder_due_pence", balance->funder_due);
  add_int (builder, "funder_paid_pence", balance->funder_paid);
  add_int (builder, "funder_outstanding_pence", balance->funder_due - balance->funder_paid);
  json_builder_end_object (builder);
}

/* ---- Listings ------------------------------------------------------------ */

/* The table is made even for --json, so a command can add its heading
 * without asking which it is printing. */
Listing *
listing_new (Cli   *cli,
             guint  n_columns)
{
  Listing *listing = g_new0 (Listing, 1);

  listing->table = table_new (n_columns, 0);
  if (cli->json)
    {
      listing->json = json_builder_new ();
      json_builder_begin_array (listing->json);
    }
  return listing;
}

void
listing_free (Listing *listing)
{
  g_clear_object (&listing->json);
  table_free (listing->table);
  g_free (listing);
}

/* The JSON array, @none_found when nothing was shown, or the table. Returns
 * whether the table was printed, for the command to add a count under it. */
gboolean
listing_print (Listing    *listing,
               guint       n_shown,
               const char *none_found)
{
  if (listing->json != NULL)
    {
      json_builder_end_array (listing->json);
      reply_json (json_builder_get_root (listing->json));
      return FALSE;
    }
  if (n_shown == 0)
    {
      g_print ("%s", none_found);
      return FALSE;
    }
  table_print (listing->table);
  return TRUE;
}
