import type { ChecklistKey } from '../../../../src-main/contract/checklist';
import type { ProjectView } from '../../../../src-main/contract/project';
import type { ItemView, RunView } from '../../../../src-main/contract/runs';

/** What a checklist panel gets: its item with typed evidence. Its actions need not reload the run: main announces every change (runChanged). */
export interface PanelProps<K extends ChecklistKey> {
  run: RunView;
  project: ProjectView;
  item: ItemView<K>;
}
