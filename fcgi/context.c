/*
 * One worker's context: its store and the hint to pushd after a commit.
 */
#include "app.h"

#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"
#include "store/store.h"

struct app *
app_create(const struct config *cfg, int generation)
{
	struct app *app;

	if ((app = calloc(1, sizeof(*app))) == NULL) {
		log_warn("%s: calloc", __func__);
		return NULL;
	}
	app->cfg = cfg;
	app->generation = generation;
	app->notify_fd = -1;
	if ((app->store = store_open(cfg->db_path, STORE_READWRITE)) == NULL) {
		free(app);
		return NULL;
	}
	/* Without it ratings still work; pushd's timer picks events up. */
	app->notify_fd = notify_sender_open();
	return app;
}

void
app_destroy(struct app *app)
{
	if (app == NULL)
		return;
	store_close(app->store);
	if (app->notify_fd != -1)
		close(app->notify_fd);
	free(app);
}

void
app_notify(struct app *app, int64_t seq)
{
	if (seq > 0)
		(void)notify_send(app->notify_fd, app->cfg->notify_socket, seq);
}

void
app_after_request(struct app *app)
{
	store_checkpoint_if_due(app->store);
}
