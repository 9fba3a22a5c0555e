/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"
#include "unit-file.h"
#include "unit-name.h"

/* One declaration file found in the search path. */
typedef struct Decl {
        char *filename; /* "web.container" */
        char *path;     /* where it was found */
        char *dir;      /* its directory: relative paths in it resolve here */
        DeclKind kind;
        UnitFile *unit;     /* with drop-ins merged; NULL if it did not parse */
        char *service_name; /* "web.service", after ServiceName= */
        bool selected;      /* generate a unit (all, unless files were named) */
        size_t order;       /* position in the search, lower wins a name clash */
        bool failed;
} Decl;

/* A "*.d" directory seen while searching, for drop-ins. */
typedef struct DropinDir {
        char *name; /* "web.container.d" */
        char *path;
        size_t root; /* index of the search path it was found under */
        size_t seq;  /* position in the walk, which decides among equals */
        /* Its "*.conf" entries, read on first use: a directory such as
         * "container.d" applies to every declaration but is read once. */
        char **confs;
        bool listed;
} DropinDir;

/* A pull unit shared by every container using one image. */
typedef struct PullUnit {
        char *image;
        char *unit_name;
        int policy; /* PullPolicy */
} PullUnit;

typedef enum PullPolicy {
        PULL_NEVER,
        PULL_MISSING,
        PULL_NEWER,
        PULL_ALWAYS,
        _PULL_POLICY_MAX,
        _PULL_POLICY_INVALID = -1,
} PullPolicy;

/* An output: a unit's text, or a symlink. */
typedef struct Output {
        char *name;   /* relative to the output directory */
        char *text;   /* unit contents, or NULL for a symlink */
        char *target; /* symlink target */
} Output;

typedef struct Generator {
        /* settings */
        char **search_paths; /* highest priority first */
        const char *output_dir;
        bool dry_run;
        const char *runtime_path;
        const char *berthctl_path;
        const char *netns_path;
        const char *state_dir;

        /* found */
        Decl *decls; /* sorted by filename */
        size_t n_decls;
        DropinDir *dropin_dirs;
        size_t n_dropin_dirs;

        /* made */
        PullUnit *pulls;
        size_t n_pulls, cap_pulls;
        /* Open addressing over pulls by image: index + 1, 0 is free. A
         * thousand containers look their image up here. */
        size_t *pull_slots;
        size_t n_pull_slots;
        Output *outputs;
        size_t n_outputs, cap_outputs;
        unsigned n_failed;

        /* While generator_run() streams, each declaration's outputs are
         * written (or printed) as soon as it converts, then freed: the next
         * one reuses the memory instead of growing the heap. */
        bool streaming;
        int output_fd;
        char **made_dirs;
        int write_error;
} Generator;

void generator_init(Generator *g);
void generator_done(Generator *g);

/* sources.c: finds the declarations under g->search_paths (sub-directories
 * included; the first path wins a name clash) and loads them with drop-ins. */
int generator_find(Generator *g);
/* Adds these files as the only ones to generate (for --dry-run FILE…). */
int generator_select_files(Generator *g, char **files);
void generator_load(Generator *g);
const Decl *generator_find_decl(const Generator *g, const char *filename);

/* Runs the conversions of every selected, loaded declaration. */
void generator_convert_all(Generator *g);
/* Writes (or prints, in dry-run mode) every output not written yet. */
int generator_write(Generator *g);

/* outputs */
int generator_add_unit(Generator *g, const char *name, char *text);
int generator_add_symlink(Generator *g, const char *name, const char *target);

/* Logs an error about a declaration and marks it failed. Returns -EINVAL. */
int decl_fail(Generator *g, Decl *d, const UnitEntry *at, const char *fmt, ...) _printf_(4, 5);
void decl_warn(const Decl *d, const UnitEntry *at, const char *fmt, ...) _printf_(3, 4);

/* service.c: the parts every kind shares. */
int service_init(Generator *g, Decl *d, UnitFile **ret);
int service_finish(Generator *g, Decl *d, UnitFile *service);
/* A dependency named in a declaration ("db.container", "data.volume") as the
 * service it becomes, or NULL with *ret_known = false if it is not one. */
int translate_dependency(const Generator *g, const Decl *from, const char *dep, char **ret);
int service_require(UnitFile *service, const char *unit);
/* [Quadlet] DefaultDependencies=, true unless set to false. */
bool decl_default_dependencies(const Decl *d);

/* container.c, volume.c, image.c, network.c */
int convert_container(Generator *g, Decl *d);
int convert_volume(Generator *g, Decl *d);
int convert_image(Generator *g, Decl *d);
int convert_network(Generator *g, Decl *d);
/* socket.c: a .socket beside a .container is linked in and enabled. */
int convert_socket(Generator *g, Decl *d);
/* The named volume a ".volume" declaration creates. */
char *volume_name_of(const Decl *d);
/* Named volumes are directories under /var/lib/berth/volumes. */
bool volume_name_valid(const char *n);
/* The network a ".network" declaration creates, for the file name it was
 * referred to by (an instance of a template names its own network). */
char *network_name_of(const Decl *d, const char *as_named);
/* berth-netns's network names, with specifiers allowed; not the words
 * --network gives other meanings to (bridge, host, none, …). */
bool network_name_valid(const char *n);
bool ip_address_valid(const char *s);
/* The reference an ".image" declaration pulls. */
const char *image_ref_of(const Decl *d);

/* pull.c */
PullPolicy pull_policy_from_string(const char *s);
const char *pull_policy_to_string(PullPolicy p);
/* Registers a pull of image and returns the name of the unit that does it. */
int pull_unit_request(Generator *g, const char *image, PullPolicy policy, const char **ret_unit);
int pull_units_emit(Generator *g);
void pull_exec_start(const Generator *g, StrBuf *b, const char *image, PullPolicy policy);

/* install.c */
int install_emulate(Generator *g, Decl *d, const UnitFile *service);

/* Runs every step and returns the exit status. */
int generator_run(Generator *g, char **files);
