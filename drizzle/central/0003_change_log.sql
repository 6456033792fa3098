CREATE TABLE "change_log" (
	"id" bigserial NOT NULL,
	"xid" "xid8" DEFAULT pg_current_xact_id() NOT NULL,
	"tbl" text NOT NULL,
	"row_key" text NOT NULL,
	"op" char(1) NOT NULL,
	CONSTRAINT "change_log_xid_id_pk" PRIMARY KEY("xid","id"),
	CONSTRAINT "change_log_op_check" CHECK ("change_log"."op" in ('U','D','A'))
);
