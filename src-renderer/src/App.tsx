import { useCallback, useState } from 'react';
import { AuditScreen } from './screens/AuditScreen';
import { DashboardScreen } from './screens/DashboardScreen';
import { ProjectsScreen } from './screens/ProjectsScreen';
import { RunScreen } from './screens/RunScreen';
import { ReviewScreen } from './screens/ReviewScreen';
import { RunsScreen } from './screens/RunsScreen';
import { SettingsScreen } from './screens/SettingsScreen';

const screens = { dashboard: 'Dashboard', projects: 'Projects', runs: 'Backup runs', review: 'Review as verifier', audit: 'Audit trail', settings: 'Settings' } as const;
type Screen = keyof typeof screens;

export function App() {
  const [screen, setScreen] = useState<Screen>('dashboard');
  const [runId, setRunId] = useState<string | null>(null);
  const go = (next: Screen) => {
    setRunId(null);
    setScreen(next);
  };
  const openRun = useCallback((id: string) => {
    setScreen('runs');
    setRunId(id);
  }, []);
  return (
    <div className="app">
      <header className="topbar">
        <h1>Backup Warden</h1>
        <nav aria-label="Main">
          {(Object.keys(screens) as Screen[]).map((key) => (
            <button key={key} className={key === screen ? 'tab active' : 'tab'} aria-current={key === screen ? 'page' : undefined} onClick={() => go(key)}>
              {screens[key]}
            </button>
          ))}
        </nav>
      </header>
      <main>
        {screen === 'dashboard' && <DashboardScreen onOpenRun={openRun} onProjects={() => go('projects')} />}
        {screen === 'projects' && <ProjectsScreen onOpenRun={openRun} />}
        {screen === 'runs' && (runId ? <RunScreen runId={runId} onBack={() => setRunId(null)} /> : <RunsScreen onOpen={openRun} />)}
        {screen === 'review' && <ReviewScreen />}
        {screen === 'audit' && <AuditScreen />}
        {screen === 'settings' && <SettingsScreen />}
      </main>
    </div>
  );
}
