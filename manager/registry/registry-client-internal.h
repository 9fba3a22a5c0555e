/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One request's attempts, shared by the blocking registry_client_get() and
 * the curl multi loop of registry-transfers.c; not part of the contract. */

#include "registry-client.h"

/* Writes into the sink in chunks of up to this; a BODY_SINK_FULL sink's
 * buffer must hold one. */
#define EXCHANGE_BUFFER_SIZE (128 * 1024)

typedef struct Exchange {
        RegistryClient *client;
        BodySink *sink;
        char *url;
        char *accept_header;

        /* the attempt in flight */
        CURL *easy;
        struct curl_slist *headers;
        char *authorization;
        unsigned generation; /* the client's auth state it used */
        char errbuf[CURL_ERROR_SIZE];
        bool body_started;
        bool paused; /* the sink was full: resume with curl_easy_pause() */

        /* what came back */
        Response response;
        char *www_authenticate;
        char *error_body;
        size_t error_len;
        uint64_t received;
        int sink_error;

        unsigned attempt, auth_tries;
} Exchange;

enum {
        EXCHANGE_RETRY = 1,     /* after the delay, and exchange_rewind() */
        EXCHANGE_NEED_AUTH = 2, /* a 401: new credentials first (no body was taken) */
        EXCHANGE_UNWANTED = 3,  /* the sink gave up on the body */
};

/* GET <endpoint>/v2/<repository>/<what>/<ref> into sink. */
int exchange_init(Exchange *x, RegistryClient *c, const char *what, const char *ref,
                  const char *accept, BodySink *sink);
void exchange_done(Exchange *x);
/* A new attempt: x->easy is ready to perform (CURLOPT_PRIVATE is x). */
int exchange_start(Exchange *x);
/* Drops the attempt's curl handle, if any. */
void exchange_end(Exchange *x);
/* After the attempt ended with cc: 0 on success (x->response holds the
 * reply), EXCHANGE_RETRY with *ret_delay_ms, EXCHANGE_NEED_AUTH, or < 0 with
 * *ret_error. Ends the attempt. */
int exchange_judge(Exchange *x, CURLcode cc, unsigned *ret_delay_ms, char **ret_error);
/* Before a retry: the sink starts over. 0, EXCHANGE_UNWANTED, or < 0
 * (-EAGAIN: the sink cannot start over yet). */
int exchange_rewind(Exchange *x, char **ret_error);
void exchange_reset(Exchange *x);

/* After EXCHANGE_NEED_AUTH, for an event loop: learns the registry's
 * challenge. 0: x may go again at once (with basic credentials, or another
 * request has refreshed them meanwhile); 1: *ret is a token request to run
 * (its easy handle into the loop, then token_request_end(); x goes again
 * after that); < 0 with *ret_error. */
typedef struct TokenRequest TokenRequest;
int exchange_auth_begin(Exchange *x, TokenRequest **ret, char **ret_error);
CURL *token_request_easy(TokenRequest *t);
/* After the token request ended with cc: the client uses the new token
 * (0), or < 0 with *ret_error. */
int token_request_end(TokenRequest *t, CURLcode cc, char **ret_error);
void token_request_free(TokenRequest *t);

unsigned backoff_ms(RegistryClient *c, unsigned attempt);
bool registry_client_cancelled(RegistryClient *c);
