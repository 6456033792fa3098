/**
 * Saved views for any grid: an operator names the grid's state — its column filters, sort, column
 * order, widths and hidden columns, and what the view filters by outside the grid (`extra`: a
 * search box, a currency) — and applies it again. Kept per operator and grid by the workstation
 * (views.* calls, in its encrypted local cache), so they work offline and survive a restart; the
 * view applied last is applied again when the operator comes back to the grid.
 *
 * `useSavedViews(gridId, api, extra)` does the work; `<ViewsMenu>` is its menu: the views, "All
 * rows", "Save as…", delete.
 */
import type { ColumnState, GridApi } from 'ag-grid-community';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { CallOutput } from '../../../core/host/bridge/contract';
import { call, describeError } from '../api';
import { useConsole } from '../store';

type SavedViews = CallOutput<'views.list'>;
type ViewState = SavedViews['views'][number]['state'];

export interface ViewExtra {
  /** What the view keeps outside the grid (string values), read when saving. */
  get(): Record<string, string>;
  /** Puts it back when a view (or "All rows": an empty record) is applied. */
  set(values: Record<string, string>): void;
}

/** The grid's state as a view keeps it. */
export function gridState(api: GridApi, extra: Record<string, string>): ViewState {
  const state = api.getColumnState();
  return {
    filters: (api.getFilterModel() ?? {}) as Record<string, unknown>,
    sort: state
      .filter((c) => c.sort)
      .sort((a, b) => (a.sortIndex ?? 0) - (b.sortIndex ?? 0))
      .map((c) => ({ colId: c.colId, sort: c.sort as 'asc' | 'desc' })),
    columns: state.map((c) => ({
      colId: c.colId,
      ...(typeof c.width === 'number' ? { width: Math.round(c.width) } : {}),
      ...(c.hide ? { hide: true } : {}),
    })),
    extra,
  };
}

/** Applies a view's state to the grid (or the grid's own defaults for "All rows"). */
export function applyGridState(api: GridApi, state: ViewState | null): void {
  if (!state) {
    api.resetColumnState();
    api.setFilterModel(null);
    return;
  }
  const sortOf = new Map(state.sort.map((s, i) => [s.colId, { sort: s.sort, sortIndex: i }]));
  const columns: ColumnState[] = state.columns.map((c) => ({
    colId: c.colId,
    ...(c.width !== undefined ? { width: c.width } : {}),
    hide: c.hide ?? false,
    sort: sortOf.get(c.colId)?.sort ?? null,
    sortIndex: sortOf.get(c.colId)?.sortIndex ?? null,
  }));
  api.applyColumnState({ state: columns, applyOrder: true, defaultState: { sort: null } });
  api.setFilterModel(state.filters);
}

export interface SavedViewsHandle {
  views: SavedViews['views'];
  /** The view applied now, null for "All rows". */
  current: string | null;
  error: string | null;
  apply(name: string | null): Promise<void>;
  save(name: string): Promise<void>;
  remove(name: string): Promise<void>;
}

export function useSavedViews(
  gridId: string,
  api: GridApi | null | undefined,
  extra: ViewExtra,
): SavedViewsHandle {
  const [list, setList] = useState<SavedViews | null>(null);
  const [current, setCurrent] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  // The latest `extra` for the callbacks, without making them change on every keystroke.
  const extraRef = useRef(extra);
  useLayoutEffect(() => {
    extraRef.current = extra;
  });
  const notify = useConsole((s) => s.notify);

  const applyState = useCallback(
    (name: string | null, views: SavedViews) => {
      if (!api) return;
      const view = name === null ? null : views.views.find((v) => v.name === name);
      applyGridState(api, view?.state ?? null);
      extraRef.current.set(view?.state.extra ?? {});
      setCurrent(view?.name ?? null);
    },
    [api],
  );

  // Once the grid is there: the operator's views, and the one they used last, applied again.
  useEffect(() => {
    if (!api) return;
    let live = true;
    call('views.list', { grid: gridId })
      .then((views) => {
        if (!live) return;
        setList(views);
        if (views.lastUsed) applyState(views.lastUsed, views);
      })
      .catch((e: unknown) => live && setError(describeError(e)));
    return () => {
      live = false;
    };
  }, [api, gridId, applyState]);

  const apply = useCallback(
    async (name: string | null) => {
      if (!list) return;
      applyState(name, list);
      try {
        setList(await call('views.use', { grid: gridId, name }));
        setError(null);
      } catch (e) {
        setError(describeError(e));
      }
    },
    [list, gridId, applyState],
  );
  const save = useCallback(
    async (name: string) => {
      if (!api) return;
      const views = await call('views.save', {
        grid: gridId,
        name,
        state: gridState(api, extraRef.current.get()),
      });
      setList(views);
      setCurrent(name.trim());
      setError(null);
      notify('success', `View "${name.trim()}" saved`);
    },
    [api, gridId, notify],
  );
  const remove = useCallback(
    async (name: string) => {
      try {
        setList(await call('views.delete', { grid: gridId, name }));
        if (current === name) setCurrent(null);
        setError(null);
      } catch (e) {
        setError(describeError(e));
      }
    },
    [gridId, current],
  );
  return { views: list?.views ?? [], current, error, apply, save, remove };
}

/** The grid's "Views" menu: pick a view or "All rows", save the grid as a view, delete one. */
export function ViewsMenu({
  views,
  testId = 'views',
}: {
  views: SavedViewsHandle;
  testId?: string;
}) {
  const [naming, setNaming] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    if (naming === null) return;
    try {
      await views.save(naming);
      setNaming(null);
      setError(null);
    } catch (e) {
      setError(describeError(e));
    }
  };
  return (
    <span className="views-menu" data-testid={testId}>
      <label className="inline">
        View
        <select
          value={views.current ?? ''}
          onChange={(e) => void views.apply(e.target.value === '' ? null : e.target.value)}
          data-testid={`${testId}-select`}
        >
          <option value="">All rows</option>
          {views.views.map((v) => (
            <option key={v.name} value={v.name}>
              {v.name}
            </option>
          ))}
        </select>
      </label>
      {naming === null ? (
        <button
          type="button"
          className="btn plain"
          onClick={() => setNaming(views.current ?? '')}
          data-testid={`${testId}-save`}
        >
          Save as…
        </button>
      ) : (
        <form
          className="inline"
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <input
            aria-label="Name of the view"
            placeholder="Name of the view"
            value={naming}
            autoFocus
            onChange={(e) => setNaming(e.target.value)}
            data-testid={`${testId}-name`}
          />
          <button type="submit" className="btn primary" data-testid={`${testId}-save-confirm`}>
            Save
          </button>
          <button type="button" className="btn plain" onClick={() => setNaming(null)}>
            Cancel
          </button>
        </form>
      )}
      {views.current !== null && naming === null && (
        <button
          type="button"
          className="btn plain"
          onClick={() => void views.remove(views.current!)}
          data-testid={`${testId}-delete`}
        >
          Delete view
        </button>
      )}
      {(error ?? views.error) && (
        <span className="reason" role="alert">
          {error ?? views.error}
        </span>
      )}
    </span>
  );
}
