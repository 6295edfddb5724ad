/** Levenshtein distance: its one home is `@recurrent/models`' data module (the g2p scores there use it too). */
import { data } from '@recurrent/models';

export const editDistance = data.editDistance;
