CREATE TABLE `saved_views` (
	`operator_id` text NOT NULL,
	`grid_id` text NOT NULL,
	`name` text NOT NULL,
	`state` text NOT NULL,
	`updated_at` integer NOT NULL,
	`last_used_at` integer,
	PRIMARY KEY(`operator_id`, `grid_id`, `name`)
);
