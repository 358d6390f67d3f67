#ifndef MEMETER_EXPORT_H
#define MEMETER_EXPORT_H

#include <stddef.h>
#include <json-c/json.h>

/*
 * The CSV of a session's results, as GET /api/admin/sessions/{id}/export.csv
 * serves it and `memeterctl export --csv` prints it: the header
 * "place,title,count,avg,min,max,median" and one CRLF line per place of
 * model_results_all(), in its order.  Titles are quoted with quotes
 * doubled; avg has two decimals, the median a fraction only if it has one;
 * unrated places have empty figures.
 *
 * Returns a malloc'd NUL-terminated string the caller frees (its length in
 * *lenp when lenp is not NULL), or NULL when out of memory.
 */
char	*export_results_csv(struct json_object *places, size_t *lenp);

#endif
