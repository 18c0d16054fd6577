// Entry of the language server process (dist/language-server.js). The transport (IPC from the
// extension, or --stdio from other editors and the protocol tests) comes from the command line.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';

startServer(createConnection(ProposedFeatures.all));
