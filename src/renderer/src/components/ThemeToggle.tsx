/** System / Light / Dark, in the top bar (components/theme.ts keeps and applies the choice). */
import { setThemeChoice, THEME_CHOICES, useThemeChoice, type ThemeChoice } from './theme';

export function ThemeToggle() {
  const choice = useThemeChoice();
  return (
    <label className="theme-toggle">
      <span className="visually-hidden">Colour scheme</span>
      <select
        value={choice}
        onChange={(e) => setThemeChoice(e.target.value as ThemeChoice)}
        data-testid="theme-choice"
        title="Colour scheme: System follows the operating system"
      >
        {THEME_CHOICES.map((c) => (
          <option key={c.id} value={c.id}>
            {c.id === 'system' ? 'Theme: System' : `Theme: ${c.label}`}
          </option>
        ))}
      </select>
    </label>
  );
}
