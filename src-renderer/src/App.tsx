import { useState } from 'react';
import { AuditScreen } from './screens/AuditScreen';
import { ProjectsScreen } from './screens/ProjectsScreen';

const screens = { projects: 'Projects', audit: 'Audit trail' } as const;
type Screen = keyof typeof screens;

export function App() {
  const [screen, setScreen] = useState<Screen>('projects');
  return (
    <div className="app">
      <header className="topbar">
        <h1>Backup Warden</h1>
        <nav aria-label="Main">
          {(Object.keys(screens) as Screen[]).map((key) => (
            <button key={key} className={key === screen ? 'tab active' : 'tab'} aria-current={key === screen ? 'page' : undefined} onClick={() => setScreen(key)}>
              {screens[key]}
            </button>
          ))}
        </nav>
      </header>
      <main>{screen === 'projects' ? <ProjectsScreen /> : <AuditScreen />}</main>
    </div>
  );
}
