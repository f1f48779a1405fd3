// The home page: the start form and the live list of builds.
import { buildList } from "./build-list.js";
import { startForm } from "./start-form.js";

startForm(document);
buildList(document);
