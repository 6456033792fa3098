/**
 * Import affiliates and conversions from CSV files. The operator picks a file in the host's own
 * dialog (the renderer never reads files); the host checks it without storing anything (the
 * import's dry run) and keeps it; the screen shows the first rows as parsed, the counts, exact
 * per-currency totals and every problem (file, line, field, what is wrong). A file with problems
 * cannot be imported: nothing is stored until it is corrected. A good one is imported, all or
 * nothing, with its progress, then a summary of what was stored.
 */
import { useEffect, useRef, useState } from 'react';
import type {
  BridgeError,
  ImportSummary,
  PickedImport,
  Wire,
} from '../../../core/host/bridge/contract';
import { CallFailed, describeError } from '../api';
import { Action } from '../components/Action';
import { Card, ErrorLine, Page, ProgressBar } from '../components/Panel';
import { count } from '../format';
import { useConsole } from '../store';
import { FORMATS_DOC, IMPORT_KINDS, type ImportKind } from './import/formats';
import { PreviewCounts, PreviewTotals, ProblemsGrid, SampleGrid } from './import/Preview';

type Step =
  | { at: 'choose' }
  | { at: 'checking'; kind: ImportKind; callId: string }
  | { at: 'preview'; kind: ImportKind; picked: PickedImport }
  | { at: 'importing'; kind: ImportKind; picked: PickedImport; callId: string }
  | { at: 'done'; kind: ImportKind; picked: PickedImport; summary: Wire<ImportSummary> };

/** A refusal from the host as an error the console describes (a lost session signs out). */
function failed(error: BridgeError): CallFailed {
  if (error.code === 'UNAUTHENTICATED') useConsole.getState().sessionEnded(error.message);
  return new CallFailed(error);
}

export function ImportView() {
  const [step, setStep] = useState<Step>({ at: 'choose' });
  const [error, setError] = useState<string | null>(null);
  useKeptFileDropped(step);

  const choose = async (kind: ImportKind) => {
    const callId = crypto.randomUUID();
    setError(null);
    setStep({ at: 'checking', kind, callId });
    try {
      const r = await window.treasury.previewImport(kind.name, { id: callId });
      if (r === null) return setStep({ at: 'choose' });
      if (!r.ok) throw failed(r.error);
      setStep({ at: 'preview', kind, picked: r.value });
    } catch (e) {
      setError(`The file could not be checked: ${describeError(e)}`);
      setStep({ at: 'choose' });
    } finally {
      useConsole.getState().endProgress(callId);
    }
  };

  const importNow = async (kind: ImportKind, picked: PickedImport) => {
    if (!picked.picked) return;
    const callId = crypto.randomUUID();
    setError(null);
    setStep({ at: 'importing', kind, picked, callId });
    try {
      const r = await window.treasury.importPicked(picked.picked, { id: callId });
      if (!r.ok) throw failed(r.error);
      setStep({ at: 'done', kind, picked, summary: r.value });
    } catch (e) {
      setError(`Nothing was imported: ${describeError(e)}`);
      setStep({ at: 'choose' });
    } finally {
      useConsole.getState().endProgress(callId);
    }
  };

  const again = () => {
    if (step.at === 'preview' && step.picked.picked)
      void window.treasury.dropPicked(step.picked.picked);
    setError(null);
    setStep({ at: 'choose' });
  };

  return (
    <Page
      title="Import"
      testId="view-import"
      actions={
        step.at === 'preview' || step.at === 'done' ? (
          <button type="button" className="btn" onClick={again} data-testid="import-again">
            Choose another file
          </button>
        ) : null
      }
    >
      <ErrorLine error={error} />
      {step.at === 'choose' && <Choices onChoose={(k) => void choose(k)} />}
      {step.at === 'checking' && (
        <Running
          callId={step.callId}
          title={`Checking the ${step.kind.label.toLowerCase()} file`}
        />
      )}
      {step.at === 'preview' && (
        <PreviewStep
          kind={step.kind}
          picked={step.picked}
          onImport={() => importNow(step.kind, step.picked)}
        />
      )}
      {step.at === 'importing' && (
        <Running
          callId={step.callId}
          title={`Importing ${count(step.picked.preview.rows)} lines of ${step.picked.preview.file}`}
        />
      )}
      {step.at === 'done' && <Done kind={step.kind} summary={step.summary} />}
    </Page>
  );
}

/**
 * A checked file the host keeps is let go when the operator leaves the screen without importing
 * it (the host also forgets it after an hour).
 */
function useKeptFileDropped(step: Step) {
  const kept = useRef<string | null>(null);
  const picked = step.at === 'preview' ? step.picked.picked : null;
  useEffect(() => {
    kept.current = picked;
  }, [picked]);
  useEffect(
    () => () => {
      if (kept.current) void window.treasury.dropPicked(kept.current);
    },
    [],
  );
}

function Choices({ onChoose }: { onChoose(kind: ImportKind): void }) {
  return (
    <div className="cards">
      {IMPORT_KINDS.map((kind) => {
        const id = kind.name.split('.')[0]!;
        return (
          <Card key={kind.name} title={kind.label} testId={`import-kind-${id}`}>
            <p className="small">
              Columns: <span className="mono">{kind.columns}</span>
              {kind.optional && (
                <>
                  {' '}
                  and optionally <span className="mono">{kind.optional}</span>
                </>
              )}
            </p>
            <ul className="small">
              {kind.notes.map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
            <p className="small muted">
              The file is checked first and nothing is stored until you import it. The full rules:{' '}
              {FORMATS_DOC}.
            </p>
            <Action
              call={kind.name}
              online
              kind="primary"
              onRun={() => onChoose(kind)}
              testId={`import-choose-${id}`}
            >
              Choose a {kind.label.toLowerCase()} file…
            </Action>
          </Card>
        );
      })}
    </div>
  );
}

const PHASES: Record<string, string> = { validating: 'checking', writing: 'storing' };

function Running({ callId, title }: { callId: string; title: string }) {
  const progress = useConsole((s) => s.progress[callId]);
  return (
    <Card title={title} testId="import-running">
      <ProgressBar
        done={progress?.done ?? 0}
        total={progress?.total}
        label={progress ? (PHASES[progress.phase] ?? progress.phase) : 'starting'}
        testId="import-progress"
      />
    </Card>
  );
}

function PreviewStep({
  kind,
  picked,
  onImport,
}: {
  kind: ImportKind;
  picked: PickedImport;
  onImport(): Promise<void>;
}) {
  const { preview } = picked;
  const problems = preview.problemCount;
  const blocked =
    picked.picked === null
      ? `${count(problems)} problem${problems === 1 ? '' : 's'}: correct the file and choose it again (nothing was stored)`
      : preview.rows === 0
        ? 'the file has no lines to import'
        : null;
  return (
    <>
      <div className="row">
        <Card title={`${kind.label}: what the file holds`} testId="import-preview">
          <PreviewCounts preview={preview} />
          <PreviewTotals totals={preview.totals} />
        </Card>
      </div>
      <div className="row">
        <Action
          call={kind.name}
          online
          kind="primary"
          blocked={blocked}
          onRun={onImport}
          testId="import-run"
        >
          Import {count(preview.rows)} lines
        </Action>
      </div>
      {problems > 0 && (
        <Card title={`Problems (${count(problems)})`} testId="import-problems-card">
          <ProblemsGrid preview={preview} />
        </Card>
      )}
      {preview.sample.rows.length > 0 && (
        <Card title="First lines as read" testId="import-sample-card">
          <SampleGrid sample={preview.sample} />
        </Card>
      )}
    </>
  );
}

function Done({ kind, summary }: { kind: ImportKind; summary: Wire<ImportSummary> }) {
  return (
    <Card title={`${kind.label} imported`} testId="import-result">
      <p>
        <span data-testid="import-result-rows">{count(summary.rows)}</span> lines of {summary.file}:{' '}
        <span data-testid="import-result-new">{count(summary.inserted)}</span> new,{' '}
        <span data-testid="import-result-updated">{count(summary.updated)}</span> changed,{' '}
        <span data-testid="import-result-unchanged">{count(summary.unchanged)}</span> unchanged.
      </p>
      <p className="small muted">
        File fingerprint (SHA-256): <span className="hash">{summary.sha256}</span>
      </p>
    </Card>
  );
}
